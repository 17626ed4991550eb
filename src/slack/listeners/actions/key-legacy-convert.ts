import { slackCall } from '../../flows/actor.ts';
import { insightReview } from '../../flows/insight-review.ts';
import { ActionId, KEY_ID } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** "Convert to explicit permissions" in a legacy key's view: the review of that edit, like Remove unused. */
export const keyLegacyConvert = action({
  id: ActionId.keyLegacyConvert,
  ids: ({ value }) => (KEY_ID.test(value) ? { keyId: value } : stop()),
  role: 'admin',
  answer: 'conversation',
  call: ({ deps, ids, body }) => insightReview(deps, 'legacy', ids.keyId, body.view !== undefined),
  render: (turn, view) =>
    slackCall(turn, 'opening the legacy conversion review', () =>
      turn.body.view === undefined
        ? turn.client.views.open({ trigger_id: turn.body.trigger_id, view })
        : turn.client.views.push({ trigger_id: turn.body.trigger_id, view }),
    ),
});
