import type { App } from '@slack/bolt';
import { isAppError } from '../../shared/errors.ts';
import type { SlackDeps } from '../deps.ts';
import { renderDecision } from '../approval-outcome.ts';
import { BlockId, CallbackId } from '../ids.ts';
import { readInput, type StateValues } from '../state.ts';
import { notice, type SubmissionAck } from './submission.ts';
import { errorText } from '../ui/error-text.ts';

/** The deny reason is required: the requester deserves to know why. */
export function registerDenySubmit(app: App, deps: SlackDeps): void {
  app.view(CallbackId.approvalDeny, async ({ ack, body, view, client }) => {
    const respond = ack as SubmissionAck;
    const reason = readInput(view.state.values as StateValues, BlockId.denyReason)?.trim() ?? '';
    if (reason === '')
      return respond({
        response_action: 'errors',
        errors: { [BlockId.denyReason]: 'Say why, so the requester can fix it.' },
      });
    try {
      const result = await deps.services.approvals.decide(view.private_metadata, {
        approver: body.user.id,
        decision: 'deny',
        reason,
      });
      if (result.outcome === 'closed')
        return respond(
          notice('Already Decided', `This request is already ${result.request.state}; nothing more was done.`),
        );
      if (result.outcome === 'duplicate')
        return respond(notice('Already Decided', 'You already decided on this request.'));
      await respond({ response_action: 'clear' });
      await renderDecision(deps, client, result);
    } catch (error) {
      if (isAppError(error))
        return respond(notice('Not Denied', `:warning: ${errorText(error, { command: deps.command })}`));
      throw error;
    }
  });
}
