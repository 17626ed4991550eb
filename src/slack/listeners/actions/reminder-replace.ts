import { keyDialog, openKeyDialog } from '../../flows/dialogs.ts';
import { reminderTarget } from '../../flows/reminders.ts';
import { ActionId, parseReminderValue } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** Replace on an expiry reminder: the key's usual Replace dialog, unless the reminder is out of date. */
export const reminderReplace = action({
  id: ActionId.reminderReplace,
  ids: ({ value }) => parseReminderValue(value) ?? stop(),
  role: 'admin',
  // In the alerts channel the whole channel sees the reminder: answers go to the clicker alone.
  answer: 'clicker',
  async call({ deps, userId, ids }) {
    const target = await reminderTarget(deps, ids, deps.now());
    if ('stale' in target) return target;
    return { dialog: await keyDialog(deps, 'replace', ids.keyId, userId) };
  },
  render: (turn, result) =>
    'stale' in result
      ? turn.say(`:information_source: ${result.stale}`)
      : openKeyDialog(turn, turn.body.trigger_id, result.dialog),
});
