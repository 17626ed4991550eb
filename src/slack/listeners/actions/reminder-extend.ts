import { openDialog } from '../../flows/dialogs.ts';
import { extendDialog, extensionWaiting, reminderTarget } from '../../flows/reminders.ts';
import { ActionId, parseReminderValue } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** Extend on an expiry reminder: a small dialog choosing a later expiry, unless the reminder is out of date. */
export const reminderExtend = action({
  id: ActionId.reminderExtend,
  ids: ({ value }) => parseReminderValue(value) ?? stop(),
  role: 'admin',
  // In the alerts channel the whole channel sees the reminder: answers go to the clicker alone.
  answer: 'clicker',
  async call({ deps, userId, ids }) {
    const now = deps.now();
    const target = await reminderTarget(deps, ids, now);
    if ('stale' in target) return target;
    const waiting = await extensionWaiting(deps, target.key);
    if (waiting !== undefined) return { stale: waiting };
    return { view: await extendDialog(deps, target.key, userId, now) };
  },
  render: (turn, result) =>
    'stale' in result
      ? turn.say(`:information_source: ${result.stale}`)
      : openDialog(turn, turn.body.trigger_id, result.view, 'extend'),
});
