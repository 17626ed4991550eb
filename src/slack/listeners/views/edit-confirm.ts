import { editResultText, staleEditText } from '../../blocks/edit-key-views.ts';
import { announce, heldView } from '../../flows/approval-flow.ts';
import { decodeMeta, EditConfirmMeta } from '../../flows/metadata.ts';
import { selectionOf } from '../../flows/picker.ts';
import { CallbackId } from '../../ui/ids.ts';
import { notice, outcomeOf, view } from '../listener.ts';

/** "Save" on the reviewed diff: saved against the version first seen, so a concurrent edit is never overwritten. */
export const editConfirmSubmit = view({
  callbackId: CallbackId.editConfirm,
  role: 'admin',
  failure: 'Not Saved',
  parse: ({ deps, userId, view: dialog }) => {
    const meta = decodeMeta(EditConfirmMeta, dialog.private_metadata);
    const edit = {
      actor: userId,
      expectedVersion: meta.v,
      description: meta.d,
      grants: selectionOf(deps, meta).endpointIds(deps.services.catalog),
    };
    return { keyId: meta.k, edit };
  },
  async call({ deps }, { keyId, edit }) {
    const { keys, approvals } = deps.services;
    const save = async () => {
      // Only permission changes are held: a new description cannot widen what the key may do.
      const preview = await keys.previewEdit(keyId, edit);
      if (approvals.needsApproval('permissions') && preview.added.length + preview.removed.length > 0) {
        return { kind: 'held', request: await approvals.requestEdit(keyId, edit) } as const;
      }
      return { kind: 'edited', before: preview.key, ...(await keys.edit(keyId, edit)) } as const;
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
      await answer({ response_action: 'update', view: heldView(result.request) });
      return announce(deps, client, result.request);
    }
    await answer({ response_action: 'clear' });
    const { before, key, added, removed } = result;
    deps.logger.info({ keyId: key.id, userId, added: added.length, removed: removed.length }, 'key edited from Slack');
    await turn.say(editResultText({ before, after: key, added: added.length, removed: removed.length }));
    await turn.home();
  },
});
