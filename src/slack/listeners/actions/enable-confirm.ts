import { keyResultView } from '../../blocks/notice-views.ts';
import { slackCall } from '../../flows/actor.ts';
import { announce, heldView } from '../../flows/approval-flow.ts';
import { keyName } from '../../ui/format.ts';
import { ActionId, KEY_ID } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** "Re-enable key" in the re-enable dialog: held for approval when policy says so, else the key works again at once. */
export const enableConfirm = action({
  id: ActionId.enableConfirm,
  ids: ({ body, value }) =>
    body.view !== undefined && KEY_ID.test(value) ? { view: body.view, keyId: value } : stop(),
  role: 'admin',
  async call({ deps, userId, ids }) {
    if (deps.services.approvals.needsApproval('reenable')) {
      return { kind: 'held', request: await deps.services.approvals.requestEnable(ids.keyId, userId) } as const;
    }
    return { kind: 'enabled', ...(await deps.services.keys.enable(ids.keyId, { actor: userId })) } as const;
  },
  async render(turn, result) {
    const viewId = turn.ids.view.id;
    if (result.kind === 'held') {
      await slackCall(turn, 'showing that re-enable waits for approval', () =>
        turn.client.views.update({ view_id: viewId, view: heldView(result.request) }),
      );
      return announce(turn.deps, turn.client, result.request);
    }
    const { key, changed } = result;
    turn.deps.logger.info({ keyId: turn.ids.keyId, userId: turn.userId, changed }, 'key re-enabled from Slack');
    const text = changed
      ? `:large_green_circle: Re-enabled ${keyName(key)}. It works again right away.`
      : `${keyName(key)} was already active; nothing changed.`;
    await slackCall(turn, 'showing the re-enable result', () =>
      turn.client.views.update({ view_id: viewId, view: keyResultView('Key Re-enabled', text) }),
    );
    await turn.say(text);
    await turn.home();
  },
});
