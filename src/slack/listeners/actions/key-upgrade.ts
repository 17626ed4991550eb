import { keyDialog } from '../../flows/dialogs.ts';
import { say, slackCall } from '../../flows/actor.ts';
import { code } from '../../ui/escape.ts';
import { ActionId, KEY_ID } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** The key view's "Upgrade to v3": the upgrade dialog, pushed over the view (or opened from a message). */
export const keyUpgrade = action({
  id: ActionId.keyUpgrade,
  ids: ({ value }) => (KEY_ID.test(value) ? { keyId: value } : stop()),
  role: 'admin',
  answer: 'conversation',
  call: ({ deps, ids, userId }) => keyDialog(deps, 'upgrade', ids.keyId, userId),
  render: async (turn, dialog) => {
    if ('missing' in dialog) return say(turn, `There is no key ${code(dialog.missing)}.`);
    const { view } = dialog;
    await slackCall(turn, 'opening the upgrade dialog', () =>
      turn.body.view === undefined
        ? turn.client.views.open({ trigger_id: turn.body.trigger_id, view })
        : turn.client.views.push({ trigger_id: turn.body.trigger_id, view }),
    );
  },
});
