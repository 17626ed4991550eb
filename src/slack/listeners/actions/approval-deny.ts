import { denyReasonModal } from '../../blocks/approval-blocks.ts';
import { slackCall } from '../../flows/actor.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

const REQUEST_ID = /^apr_[A-Za-z0-9]{12}$/;

/** Deny on an approval card asks for a reason first, in a dialog (trigger ids last 3 s, so it opens before anything else). */
export const approvalDeny = action({
  id: ActionId.approvalDeny,
  ids: ({ value }) => (REQUEST_ID.test(value) ? { requestId: value } : stop()),
  role: 'approver',
  answer: 'clicker',
  render: (turn) =>
    slackCall(turn, 'opening the deny dialog', () =>
      turn.client.views.open({ trigger_id: turn.body.trigger_id, view: denyReasonModal(turn.ids.requestId) }),
    ),
});
