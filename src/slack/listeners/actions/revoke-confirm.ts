import { keyResultView } from '../../blocks/notice-views.ts';
import { REVOKE_REASONS } from '../../blocks/revoke-view.ts';
import { slackCall } from '../../flows/actor.ts';
import { keyName } from '../../ui/format.ts';
import { ActionId, BlockId, KEY_ID } from '../../ui/ids.ts';
import { readSelected, type StateValues } from '../../ui/view-state.ts';
import { action, stop } from '../listener.ts';

/** "Revoke key" in the revoke dialog: the key stops working at once, with the reason picked beside the button. */
export const revokeConfirm = action({
  id: ActionId.revokeConfirm,
  ids: ({ body, value }) =>
    body.view !== undefined && KEY_ID.test(value) ? { view: body.view, keyId: value } : stop(),
  role: 'admin',
  parse: ({ ids }) => {
    const values = ids.view.state?.values as StateValues | undefined;
    const picked = readSelected(values, BlockId.revokeReason, ActionId.revokeReason);
    return { reason: REVOKE_REASONS.find((r) => r.value === picked)?.text };
  },
  call: ({ deps, userId, ids }, { reason }) => deps.services.keys.revoke(ids.keyId, { actor: userId, reason }),
  async render(turn, { key, changed }) {
    turn.deps.logger.info({ keyId: turn.ids.keyId, userId: turn.userId, changed }, 'key revoked from Slack');
    const text = changed
      ? `:red_circle: Revoked ${keyName(key)}. It stopped working right away.`
      : `${keyName(key)} was already revoked; nothing changed.`;
    await slackCall(turn, 'showing the revoke result', () =>
      turn.client.views.update({ view_id: turn.ids.view.id, view: keyResultView('Key Revoked', text) }),
    );
    await turn.say(text);
    await turn.home();
  },
});
