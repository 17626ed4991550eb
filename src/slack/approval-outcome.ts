import type { WebClient } from '@slack/web-api';
import type { DecisionOutcome } from '../approvals/approval-service.ts';
import { requesterMessage } from './blocks/approval-blocks.ts';
import type { SlackDeps } from './deps.ts';
import { refreshApprovalCard } from './approval-flow.ts';
import { logSlackFailure } from './notify.ts';

/**
 * After a decision: the card shows the new state and who decided, and the requester hears the outcome by DM
 * (with a one-time Reveal button when an approved key is ready to hand over).
 */
export async function renderDecision(deps: SlackDeps, client: WebClient, result: DecisionOutcome): Promise<void> {
  const { request } = result;
  await refreshApprovalCard(deps, client, request);
  const final = result.outcome === 'executed' || result.outcome === 'denied' || result.outcome === 'superseded' || result.outcome === 'failed' || result.outcome === 'expired';
  if (!final) return;
  deps.logger.info({ requestId: request.id, outcome: result.outcome, keyId: request.keyId }, 'approval decided');
  const message = requesterMessage(request, result.outcome === 'executed' ? result.reveal : undefined);
  try {
    await client.chat.postMessage({ channel: request.requestedBy, ...message });
  } catch (error) {
    logSlackFailure(deps, error, 'telling the requester about a decision', { requestId: request.id });
  }
}
