import { renderDecision } from '../../flows/approval-outcome.ts';
import { BlockId, CallbackId } from '../../ui/ids.ts';
import { readInput } from '../../ui/view-state.ts';
import { notice, refuseField, view } from '../listener.ts';

/** The deny reason dialog. The reason is required: the requester deserves to know why. */
export const approvalDenySubmit = view({
  callbackId: CallbackId.approvalDeny,
  // The approval service decides who may deny (approvers, never the requester).
  role: 'anyone',
  failure: 'Not Denied',
  parse: ({ values }) => {
    const reason = readInput(values, BlockId.denyReason)?.trim() ?? '';
    if (reason === '') refuseField(BlockId.denyReason, 'Say why, so the requester can fix it.');
    return { reason };
  },
  call: ({ deps, userId, view: dialog }, { reason }) =>
    deps.services.approvals.decide(dialog.private_metadata, { approver: userId, decision: 'deny', reason }),
  async render({ deps, client, answer, home }, result) {
    if (result.outcome === 'closed')
      return answer(
        notice('Already Decided', `This request is already ${result.request.state}; nothing more was done.`),
      );
    if (result.outcome === 'duplicate')
      return answer(notice('Already Decided', 'You already decided on this request.'));
    await answer({ response_action: 'clear' });
    await renderDecision(deps, client, result);
    // The approver's Home lists what waits for them: the decided request leaves it.
    await home();
  },
});
