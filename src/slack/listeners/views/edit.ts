import { validateDescription } from '../../../keys/description.ts';
import { permissionDiff } from '../../../keys/grants.ts';
import { editConfirmView, staleEditText } from '../../blocks/edit-key-views.ts';
import { mergePickerState } from '../../blocks/permission-picker.ts';
import { decodeMeta, type EditConfirmMeta, EditMeta, encodeMeta } from '../../flows/metadata.ts';
import { pickerStateOf, selectionOf } from '../../flows/picker.ts';
import { holdFor } from '../../flows/approval-flow.ts';
import { BlockId, CallbackId } from '../../ui/ids.ts';
import { readInput, readSelected } from '../../ui/view-state.ts';
import { expiryFromChoice } from '../../blocks/expiry-blocks.ts';
import { atField, notice, refuseField, view } from '../listener.ts';
import { packNetworks, validateNetworks } from '../../../shared/networks.ts';
import { networkLines } from '../../blocks/network-blocks.ts';

/** "Review changes" in Edit: the diff is pushed on top ("Back" returns to the checkboxes), nothing is saved yet. */
export const editSubmit = view({
  callbackId: CallbackId.edit,
  role: 'admin',
  failure: 'Not Saved',
  async parse({ deps, view: dialog, values }) {
    const meta = decodeMeta(EditMeta, dialog.private_metadata);
    const description = await atField(BlockId.description, () =>
      validateDescription(readInput(values, BlockId.description) ?? meta.d),
    );
    const selection = mergePickerState(deps.services.catalog, selectionOf(deps, meta), pickerStateOf(meta), values);
    const expiresAt = expiryFromChoice(
      readSelected(values, BlockId.expires),
      deps.services.keys.lifetime(),
      deps.now(),
    );
    if (expiresAt === 'invalid') refuseField(BlockId.expires, 'That lifetime is no longer allowed here: pick again.');
    // A bad line is named beside the field.
    const networks = await atField(BlockId.networks, () =>
      validateNetworks(networkLines(readInput(values, BlockId.networks))),
    );
    return { meta, description, selection, expiresAt: expiresAt as Date | null | undefined, networks };
  },
  call: ({ deps }, { meta }) => deps.services.keys.get(meta.k),
  async render({ deps, answer }, key, { meta, description, selection, expiresAt, networks }) {
    const { catalog } = deps.services;
    if (key.version !== meta.v) return answer(notice('Not Saved', staleEditText(key)));
    const { added, removed } = permissionDiff(key.permissions, selection.endpointIds(catalog));
    const expiryChanged = expiresAt !== undefined && expiresAt?.getTime() !== key.expiresAt?.getTime();
    const networksAdded = networks.filter((n) => !key.allowedNetworks.includes(n));
    const networksRemoved = key.allowedNetworks.filter((n) => !networks.includes(n));
    const networksChanged = networksAdded.length + networksRemoved.length > 0;
    if (
      added.length === 0 &&
      removed.length === 0 &&
      description === key.description &&
      !expiryChanged &&
      !networksChanged
    ) {
      refuseField(
        BlockId.description,
        'Nothing changed: edit the description, the expiry, the allowed networks or the permissions, or Cancel.',
      );
    }
    const [lastUsed, allowed, denied] = meta.u;
    const confirmMeta: EditConfirmMeta = {
      k: key.id,
      v: meta.v,
      d: description,
      s: selection.encode(),
      c: meta.c,
      ...(expiryChanged ? { x: expiresAt?.getTime() ?? null } : {}),
      ...(networksChanged ? { n: packNetworks(networks) } : {}),
    };
    await answer({
      response_action: 'push',
      view: editConfirmView({
        key,
        catalog,
        description,
        added,
        removed,
        usage: {
          lastUsedAt: lastUsed === null ? null : new Date(lastUsed),
          allowedLast7Days: allowed,
          deniedLast7Days: denied,
        },
        now: deps.now(),
        privateMetadata: encodeMeta(confirmMeta),
        hold: holdFor(deps, 'permissions'),
        expiresAt: expiryChanged ? expiresAt : undefined,
        networks: { added: networksAdded, removed: networksRemoved, after: networks },
      }),
    });
  },
});
