import { editKeyView } from '../blocks/edit-key-views.ts';
import { permissionsView } from '../blocks/create-key-views.ts';
import type { ModalView } from '../blocks/kit.ts';
import { partnerFormView } from '../blocks/admin-views.ts';
import { groupAllSelected, mergePickerState, planPages, setGroup } from '../blocks/permission-picker.ts';
import { catalogFingerprint, Selection } from '../blocks/selection.ts';
import type { SlackDeps } from '../deps.ts';
import { type Actor, slackCall } from './actor.ts';
import { BlockId } from '../ui/ids.ts';
import { readInput, readUsers, type StateValues } from '../ui/view-state.ts';
import { decodeMeta, encodeMeta, PickerMeta } from './metadata.ts';
import { AppError } from '../../shared/errors.ts';
import { partnerPgpState } from './dialogs.ts';

/** A press of one of the picker's buttons: select all, clear all, one group, another page. */
export type PickerChange =
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'group'; group: number }
  | { kind: 'page'; page: number };

/** The selection a picker dialog carries, refused when the catalog changed under it (indices would mean other endpoints). */
export function selectionOf(deps: SlackDeps, meta: { s: string; c: string }): Selection {
  const catalog = deps.services.catalog;
  const selection =
    meta.c === catalogFingerprint(catalog) ? Selection.decode(meta.s, catalog.endpoints.length) : undefined;
  if (selection === undefined) {
    throw new AppError(
      'DIALOG_OUTDATED',
      'The endpoint catalog changed while this dialog was open: close it and start again',
      { facts: { problem: 'catalog_changed' } },
    );
  }
  return selection;
}

/** Draws whichever dialog hosts the permission picker, from its metadata and the selection. */
export async function renderPicker(deps: SlackDeps, meta: PickerMeta, selection: Selection): Promise<ModalView> {
  const catalog = deps.services.catalog;
  const next = { ...meta, s: selection.encode() };
  switch (next.f) {
    case 'create':
      return permissionsView({
        catalog,
        description: next.d,
        partnerName: next.pn ?? undefined,
        presetSize: next.ps,
        deliverTo: next.dl,
        selection,
        page: next.p,
        revision: next.r,
        privateMetadata: encodeMeta(next),
      });
    case 'edit': {
      const key = await deps.services.keys.get(next.k);
      const [lastUsed, allowed, denied] = next.u;
      return editKeyView({
        catalog,
        legacyRule: deps.services.keys.legacyRule(),
        key,
        usage: {
          lastUsedAt: lastUsed === null ? null : new Date(lastUsed),
          allowedLast7Days: allowed,
          deniedLast7Days: denied,
        },
        description: next.d,
        selection,
        page: next.p,
        revision: next.r,
        now: deps.now(),
        privateMetadata: encodeMeta(next),
      });
    }
    case 'partner': {
      const partner = next.id === null ? undefined : await deps.services.partners.get(next.id);
      return partnerFormView({
        catalog,
        partner,
        name: next.n,
        contacts: next.u,
        selection,
        page: next.p,
        revision: next.r,
        privateMetadata: encodeMeta(next),
        pgp: await partnerPgpState(deps, partner),
      });
    }
  }
}

/**
 * The picker's buttons in the create, edit and partner dialogs: folds what is ticked on the page into the selection,
 * applies the change and draws the dialog again with new checkbox block ids, because Slack keeps a person's ticks over
 * new initial_options when block ids stay the same.
 */
export async function changePicker(
  deps: SlackDeps,
  view: { private_metadata: string; state?: { values: unknown } },
  change: PickerChange,
): Promise<ModalView> {
  const meta = decodeMeta(PickerMeta, view.private_metadata);
  const catalog = deps.services.catalog;
  const values = view.state?.values as StateValues | undefined;
  const selection = mergePickerState(catalog, selectionOf(deps, meta), meta.p, meta.r, values);
  const pages = planPages(catalog);
  let page = meta.p;
  if (change.kind === 'all') for (let i = 0; i < catalog.endpoints.length; i++) selection.set(i, true);
  if (change.kind === 'none') for (let i = 0; i < catalog.endpoints.length; i++) selection.set(i, false);
  if (change.kind === 'group')
    setGroup(catalog, selection, change.group, !groupAllSelected(catalog, selection, change.group));
  if (change.kind === 'page') page = Math.min(Math.max(0, change.page), pages.length - 1);
  const next = { ...meta, p: page, r: meta.r + 1 };
  // Fields typed above the picker are kept too: the redraw would otherwise show what the dialog opened with.
  if (next.f === 'edit') next.d = readInput(values, BlockId.description) ?? next.d;
  if (next.f === 'partner') {
    next.n = readInput(values, BlockId.partnerName) ?? next.n;
    next.u = readUsers(values, BlockId.partnerContacts) ?? next.u;
  }
  return renderPicker(deps, next, selection);
}

/** Puts the redrawn picker in place of the dialog the button was pressed in (unless it changed meanwhile). */
export async function showPicker(actor: Actor, view: { id: string; hash: string }, rendered: ModalView): Promise<void> {
  await slackCall(actor, 'updating the permissions', () =>
    actor.client.views.update({ view_id: view.id, hash: view.hash, view: rendered }),
  );
}
