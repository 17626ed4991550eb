import { editKeyView, permissionsView } from './blocks/key-views.ts';
import type { ModalView } from './blocks/kit.ts';
import { partnerFormView } from './blocks/admin-views.ts';
import { catalogFingerprint, Selection } from './blocks/selection.ts';
import type { SlackDeps } from './deps.ts';
import { encodeMeta, type PickerMeta } from './metadata.ts';
import { AppError } from '../shared/errors.ts';
import { partnerPgpState } from './modals.ts';

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
