import { slackCall } from '../../flows/actor.ts';
import { insightReview } from '../../flows/insight-review.ts';
import { ActionId, KEY_ID } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** "Remove N unused permissions" in a key's view: the review of that edit, over the view or opened from a message. */
export const keyTrim = action({
  id: ActionId.keyTrim,
  ids: ({ value }) => (KEY_ID.test(value) ? { keyId: value } : stop()),
  role: 'admin',
  answer: 'conversation',
  call: ({ deps, ids, body }) => insightReview(deps, 'trim', ids.keyId, body.view !== undefined),
  render: (turn, view) =>
    slackCall(turn, 'opening the unused permissions review', () =>
      turn.body.view === undefined
        ? turn.client.views.open({ trigger_id: turn.body.trigger_id, view })
        : turn.client.views.push({ trigger_id: turn.body.trigger_id, view }),
    ),
});
