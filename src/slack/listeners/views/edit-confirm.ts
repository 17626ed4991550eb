import { editResultText, leavesNoPermissions, staleEditText } from '../../blocks/edit-key-views.ts';
import { answerHeld } from '../../flows/approval-flow.ts';
import { editOrHold } from '../../flows/edit-or-hold.ts';
import { decodeMeta, EditConfirmMeta, networksOf } from '../../flows/metadata.ts';
import { selectionOf } from '../../flows/picker.ts';
import { BlockId, CallbackId } from '../../ui/ids.ts';
import { readChecked } from '../../ui/view-state.ts';
import { notice, outcomeOf, refuseField, view } from '../listener.ts';

/** "Save" on the reviewed diff: saved against the version first seen, so a concurrent edit is never overwritten. */
export const editConfirmSubmit = view({
  callbackId: CallbackId.editConfirm,
  role: 'admin',
  failure: 'Not Saved',
  parse: ({ deps, userId, view: dialog, values }) => {
    const meta = decodeMeta(EditConfirmMeta, dialog.private_metadata);
    const edit = {
      actor: userId,
      expectedVersion: meta.v,
      description: meta.d,
      grants: selectionOf(deps, meta).endpointIds(deps.services.catalog),
      ...(meta.x === undefined ? {} : { expiresAt: meta.x === null ? null : new Date(meta.x) }),
      networks: networksOf(meta),
      endLegacy: meta.l === 1,
      basedOnUsage: meta.b === undefined ? undefined : { days: meta.b },
    };
    return { keyId: meta.k, edit, emptyAcknowledged: readChecked(values, BlockId.confirmEmpty, 'yes') };
  },
  async call({ deps }, { keyId, edit, emptyAcknowledged }) {
    const { keys } = deps.services;
    const save = async () => {
      // Only changes that widen the key are held (editOrHold): a new description cannot.
      const preview = await keys.previewEdit(keyId, edit);
      // Slack requires the tick already; checked here too, so no edit leaves a key with nothing unasked.
      if (!emptyAcknowledged && leavesNoPermissions(preview.key, preview.added, preview.removed, preview.endsLegacy))
        refuseField(BlockId.confirmEmpty, 'Tick this to remove every permission, or go Back and keep some.');
      return editOrHold(deps, keyId, edit, preview);
    };
    const stale = async () => ({ kind: 'stale', key: await keys.get(keyId) }) as const;
    return save().catch(outcomeOf({ STALE_VERSION: stale }));
  },
  async render(turn, result, { keyId }) {
    const { deps, client, userId, answer } = turn;
    if (result.kind === 'stale') {
      deps.logger.info({ keyId, userId }, 'stale edit refused');
      return answer(notice('Not Saved', staleEditText(result.key)));
    }
    if (result.kind === 'held') {
      return answerHeld(deps, client, answer, result.request);
    }
    await answer({ response_action: 'clear' });
    const { before, key, added, removed, expiry, networksAdded, networksRemoved, endedLegacy } = result;
    deps.logger.info(
      {
        keyId: key.id,
        userId,
        added: added.length,
        removed: removed.length,
        networksAdded: networksAdded.length,
        networksRemoved: networksRemoved.length,
      },
      'key edited from Slack',
    );
    await turn.say(
      editResultText({
        before,
        after: key,
        added: added.length,
        removed: removed.length,
        networks: { added: networksAdded.length, removed: networksRemoved.length },
        expiresAt: expiry === undefined ? undefined : key.expiresAt,
        endedLegacy: endedLegacy === true ? { permissions: key.permissions.length } : undefined,
      }),
    );
    await turn.home();
  },
});
