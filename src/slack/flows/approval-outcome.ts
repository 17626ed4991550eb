import type { WebClient } from '@slack/web-api';
import type { DecisionOutcome } from '../../approvals/approval-service.ts';
import type { ApprovalRequest, KeyReveal } from '../../approvals/types.ts';
import { requesterMessage } from '../blocks/approval-blocks.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { deliverIssuedKey } from './delivery-messenger.ts';
import type { SlackDeps } from '../deps.ts';
import { refreshApprovalCard } from './approval-flow.ts';
import { failureReason, logSlackFailure } from './notify.ts';

/**
 * An approved create or replace that chose encrypted delivery is handed over at once, on the requester's behalf:
 * the key is made and goes straight into the partner's encrypted DM, so nobody (requester included) sees it.
 * Returns the line to tell the requester.
 */
async function deliverApproved(deps: SlackDeps, request: ApprovalRequest, reveal: KeyReveal): Promise<string> {
  const payload = request.payload;
  const contact =
    payload.action === 'create' || payload.action === 'replace' ? payload.delivery?.contactSlackUserId : undefined;
  if (contact === undefined) throw new Error('no delivery on this request');
  try {
    const { issued } = await deps.services.approvals.reveal(reveal.id, request.requestedBy);
    const result = await deliverIssuedKey(deps, issued, request.requestedBy, contact, { replaced: issued.old });
    deps.logger.info(
      { requestId: request.id, keyId: issued.key.id, delivered: result.ok },
      'approved key handed over by encrypted delivery',
    );
    return `:white_check_mark: Your request (${escapeMrkdwn(payload.description)}) was approved. ${result.text}`;
  } catch (error) {
    deps.logger.warn({ requestId: request.id, err: error }, 'approved key could not be handed over');
    return `:warning: Your request (${escapeMrkdwn(payload.description)}) was approved, but the key could not be handed over: ${failureReason(deps, error)}`;
  }
}

/**
 * After a decision: the card shows the new state and who decided, and the requester hears the outcome by DM
 * (with a one-time Reveal button when an approved key is ready to hand over, or where the encrypted key went).
 */
export async function renderDecision(deps: SlackDeps, client: WebClient, result: DecisionOutcome): Promise<void> {
  const { request } = result;
  await refreshApprovalCard(deps, client, request);
  const final =
    result.outcome === 'executed' ||
    result.outcome === 'denied' ||
    result.outcome === 'superseded' ||
    result.outcome === 'failed' ||
    result.outcome === 'expired';
  if (!final) return;
  deps.logger.info({ requestId: request.id, outcome: result.outcome, keyId: request.keyId }, 'approval decided');
  const reveal = result.outcome === 'executed' ? result.reveal : undefined;
  const payload = request.payload;
  const delivers =
    reveal !== undefined &&
    (payload.action === 'create' || payload.action === 'replace') &&
    payload.delivery !== undefined;
  try {
    if (delivers) {
      const text = await deliverApproved(deps, request, reveal);
      await client.chat.postMessage({
        channel: request.requestedBy,
        text,
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
      });
      return;
    }
    await client.chat.postMessage({ channel: request.requestedBy, ...requesterMessage(request, reveal) });
  } catch (error) {
    logSlackFailure(deps, error, 'telling the requester about a decision', { requestId: request.id });
  }
}
