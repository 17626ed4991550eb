import { legacyEndpointsView } from '../../blocks/legacy-blocks.ts';
import { slackCall } from '../../flows/actor.ts';
import { ActionId } from '../../ui/ids.ts';
import { action } from '../listener.ts';

/** "List the 52" beside the legacy rule: the endpoints, pushed over the dialog it sits in, or opened from a message. */
export const legacyEndpoints = action({
  id: ActionId.legacyEndpoints,
  role: 'viewer',
  answer: 'conversation',
  call: ({ deps }) => legacyEndpointsView(deps.services.keys.legacyRule()),
  render: (turn, view) =>
    slackCall(turn, 'listing the legacy endpoints', () =>
      turn.body.view === undefined
        ? turn.client.views.open({ trigger_id: turn.body.trigger_id, view })
        : turn.client.views.push({ trigger_id: turn.body.trigger_id, view }),
    ),
});
