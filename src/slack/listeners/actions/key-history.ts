import { keyDialog } from '../../flows/dialogs.ts';
import { say, slackCall } from '../../flows/actor.ts';
import { code } from '../../ui/escape.ts';
import { ActionId, KEY_ID } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** The key view's History button: the key's latest events, pushed over the view (or opened from a message). */
export const keyHistory = action({
  id: ActionId.keyHistory,
  ids: ({ value }) => (KEY_ID.test(value) ? { keyId: value } : stop()),
  role: 'viewer',
  answer: 'conversation',
  call: ({ deps, ids, userId }) => keyDialog(deps, 'history', ids.keyId, userId),
  render: async (turn, dialog) => {
    if ('missing' in dialog) return say(turn, `There is no key ${code(dialog.missing)}.`);
    const { view } = dialog;
    await slackCall(turn, 'opening the key’s history', () =>
      turn.body.view === undefined
        ? turn.client.views.open({ trigger_id: turn.body.trigger_id, view })
        : turn.client.views.push({ trigger_id: turn.body.trigger_id, view }),
    );
  },
});
