import { choiceText, editExpiryBlock } from '../blocks/expiry-blocks.ts';
import { editKeyView } from '../blocks/edit-key-views.ts';
import { permissionsView } from '../blocks/create-key-views.ts';
import type { ModalView } from '../blocks/kit.ts';
import { partnerFormView } from '../blocks/admin-views.ts';
import {
  mergePickerState,
  type PickerFilter,
  type PickerState,
  planPages,
  SEARCH_MAX_LENGTH,
  selectReadOnly,
  shownIndices,
  toggleGroup,
} from '../blocks/permission-picker.ts';
import { catalogFingerprint, Selection } from '../blocks/selection.ts';
import type { SlackDeps } from '../deps.ts';
import { type Actor, slackCall } from './actor.ts';
import { BlockId } from '../ui/ids.ts';
import { readInput, readUsers, type StateValues } from '../ui/view-state.ts';
import { type CreateMeta, decodeMeta, encodeMeta, networksOf, PickerMeta } from './metadata.ts';
import { AppError } from '../../shared/errors.ts';
import { partnerPgpState } from './dialogs.ts';
import { holdFor } from './approval-flow.ts';

/**
 * A press of one of the picker's buttons: select or clear what is shown, read-only, one group, another page, or a new
 * filter (a resource, a search, Show all).
 */
export type PickerChange =
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'readOnly' }
  | { kind: 'group'; group: number }
  | { kind: 'page'; page: number }
  | { kind: 'resource'; group: number | undefined }
  | { kind: 'search'; text: string }
  | { kind: 'clearFilter' };

/** The page, block id revision and filter a picker dialog was drawn with. */
export function pickerStateOf(meta: {
  p: number;
  r: number;
  g?: number | null | undefined;
  q?: string | undefined;
}): PickerState {
  return { page: meta.p, revision: meta.r, filter: { group: meta.g ?? undefined, text: meta.q ?? undefined } };
}

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

/**
 * "Manage Permissions", the create flow's second step, drawn from its metadata alone: on opening, on every picker
 * click and when Save with nothing ticked asks again, so no step can leave out a line the others show.
 */
export function createPermissionsView(deps: SlackDeps, meta: CreateMeta, selection: Selection): ModalView {
  return permissionsView({
    catalog: deps.services.catalog,
    description: meta.d,
    partnerName: meta.pn ?? undefined,
    presetSize: meta.ps,
    deliverTo: meta.dl,
    expires: choiceText(meta.x),
    hold: holdFor(deps, 'create'),
    networks: networksOf(meta),
    client: meta.t === 1,
    confirmEmpty: meta.z === 1,
    selection,
    page: meta.p,
    revision: meta.r,
    filter: pickerStateOf(meta).filter,
    privateMetadata: encodeMeta(meta),
  });
}

/** Draws whichever dialog hosts the permission picker, from its metadata and the selection. */
export async function renderPicker(deps: SlackDeps, meta: PickerMeta, selection: Selection): Promise<ModalView> {
  const catalog = deps.services.catalog;
  const next = { ...meta, s: selection.encode() };
  switch (next.f) {
    case 'create':
      return createPermissionsView(deps, next, selection);
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
        filter: pickerStateOf(next).filter,
        now: deps.now(),
        privateMetadata: encodeMeta(next),
        hold: holdFor(deps, 'permissions'),
        expiry: editExpiryBlock(deps.services.keys.lifetime(), key.expiresAt, deps.now()),
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
        filter: pickerStateOf(next).filter,
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
  const drawn = pickerStateOf(meta);
  const selection = mergePickerState(catalog, selectionOf(deps, meta), drawn, values);
  let filter: PickerFilter = { ...drawn.filter };
  let page = meta.p;
  switch (change.kind) {
    case 'all':
    case 'none':
      for (const i of shownIndices(catalog, filter)) selection.set(i, change.kind === 'all');
      break;
    case 'readOnly':
      selectReadOnly(catalog, selection, filter);
      break;
    case 'group':
      toggleGroup(catalog, selection, change.group, filter);
      break;
    case 'page':
      page = Math.min(Math.max(0, change.page), planPages(catalog, filter).length - 1);
      break;
    case 'resource':
      filter = { ...filter, group: change.group };
      page = 0;
      break;
    case 'search':
      filter = { ...filter, text: change.text.trim().slice(0, SEARCH_MAX_LENGTH) };
      page = 0;
      break;
    case 'clearFilter':
      filter = {};
      page = 0;
      break;
  }
  const text = filter.text === undefined || filter.text === '' ? undefined : filter.text;
  const next = { ...meta, p: page, r: meta.r + 1, g: filter.group ?? null, q: text };
  // A change of the ticks after the "no permissions" question asks it again at the next Save.
  if (next.f === 'create') delete next.z;
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
