import { timeUntil } from '../../../keys/expiry.ts';
import { staleEditText } from '../../blocks/edit-key-views.ts';
import { expiryFromChoice } from '../../blocks/expiry-blocks.ts';
import { answerHeld } from '../../flows/approval-flow.ts';
import { editOrHold } from '../../flows/edit-or-hold.ts';
import { decodeMeta, ExtendMeta } from '../../flows/metadata.ts';
import { keyName, slackDate } from '../../ui/format.ts';
import { BlockId, CallbackId } from '../../ui/ids.ts';
import { readSelected } from '../../ui/view-state.ts';
import { notice, outcomeOf, refuseField, view } from '../listener.ts';

/**
 * Extend's submit: an edit of the expiry alone, against the version the dialog was opened on, held for approval
 * like a permission change when policy says (editOrHold).
 */
export const extendSubmit = view({
  callbackId: CallbackId.extend,
  role: 'admin',
  failure: 'Not Extended',
  parse({ deps, userId, view: dialog, values }) {
    const meta = decodeMeta(ExtendMeta, dialog.private_metadata);
    const expiresAt = expiryFromChoice(
      readSelected(values, BlockId.expires),
      deps.services.keys.lifetime(),
      deps.now(),
    );
    if (expiresAt === 'invalid' || expiresAt === undefined)
      refuseField(BlockId.expires, 'That lifetime is no longer allowed here: pick again.');
    if (expiresAt !== null && expiresAt.getTime() <= meta.x)
      refuseField(BlockId.expires, 'The key already lives longer than that: pick a later expiry.');
    return { keyId: meta.k, edit: { actor: userId, expectedVersion: meta.v, expiresAt } };
  },
  async call({ deps }, { keyId, edit }) {
    const { keys } = deps.services;
    const extend = async () => editOrHold(deps, keyId, edit, await keys.previewEdit(keyId, edit));
    const stale = async () => ({ kind: 'stale', key: await keys.get(keyId) }) as const;
    return extend().catch(outcomeOf({ STALE_VERSION: stale }));
  },
  async render(turn, result, { keyId, edit }) {
    const { deps, client, userId, answer } = turn;
    if (result.kind === 'stale') {
      deps.logger.info({ keyId, userId }, 'stale extend refused');
      return answer(notice('Not Extended', staleEditText(result.key)));
    }
    if (result.kind === 'held') {
      return answerHeld(deps, client, answer, result.request);
    }
    const { key } = result;
    deps.logger.info({ keyId, userId }, 'key extended from Slack');
    const now = deps.now();
    const ends = key.expiresAt;
    const until = ends === null ? 'no longer expires' : `now expires ${timeUntil(ends, now)} (${slackDate(ends)})`;
    // A legacy key ends at the earlier of its own expiry and LEGACY_KEYS_EXPIRE_AT: only its own moved.
    const capped = ends !== null && ends.getTime() !== edit.expiresAt?.getTime();
    const cap = 'legacy keys stop at LEGACY_KEYS_EXPIRE_AT whatever their own expiry';
    if (capped && ends.getTime() <= (result.before.expiresAt?.getTime() ?? 0)) {
      await answer(
        notice(
          'Not Extended',
          `:warning: ${keyName(key)} still expires ${timeUntil(ends, now)} (${slackDate(ends)}): ${cap}. Replace it to keep the integration working.`,
        ),
      );
    } else {
      await answer(
        notice('Extended', `:white_check_mark: ${keyName(key)} ${until}${capped ? `, not later: ${cap}` : ''}.`),
      );
    }
    await turn.home();
  },
});
