import { renderDecision } from '../../flows/approval-outcome.ts';
import { failureReason } from '../../flows/notify.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

const REQUEST_ID = /^apr_[A-Za-z0-9]{12}$/;

/**
 * Approve on an approval card or the approver's App Home. Approvers only (the refusal names the admins to ask); the
 * approval service decides the rest (never the requester, once each). The card is redrawn for everyone and the
 * requester hears the outcome, while refusals go to the clicker alone.
 */
export const approvalApprove = action({
  id: ActionId.approvalApprove,
  ids: ({ value }) => (REQUEST_ID.test(value) ? { requestId: value } : stop()),
  role: 'approver',
  answer: 'clicker',
  call: ({ deps, userId, ids }) =>
    deps.services.approvals.decide(ids.requestId, { approver: userId, decision: 'approve' }),
  async render(turn, result) {
    turn.deps.logger.info(
      { requestId: turn.ids.requestId, userId: turn.userId, outcome: result.outcome },
      'approve clicked',
    );
    if (result.outcome === 'duplicate')
      return turn.say('You already approved this request; each approver counts once.');
    if (result.outcome === 'closed')
      return turn.say(`This request is already ${result.request.state}; nothing more was done.`);
    await renderDecision(turn.deps, turn.client, result);
    // Approved from the Home: the request leaves the approver's list there.
    if (turn.body.view?.type === 'home') await turn.home();
    if (result.outcome === 'failed')
      await turn.say(`Approved, but running it failed: ${failureReason(turn.deps, result.error)}`);
  },
});
