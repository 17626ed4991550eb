import type { WebClient } from '@slack/web-api';
import type { ApprovalRequest } from '../../approvals/types.ts';
import type { ApiKey } from '../../keys/types.ts';
import { approvalCard, heldNotice, requestPhrase } from '../blocks/approval-blocks.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { noticeView } from '../blocks/notice-views.ts';
import type { ModalView } from '../blocks/kit.ts';
import type { SlackDeps } from '../deps.ts';
import { logSlackFailure, tell } from './notify.ts';

/** The key a request is about, as it is now (its name, last characters), and when it was last used. */
async function aboutKey(
  deps: SlackDeps,
  keyId: string | null,
): Promise<{ lastUsedAt: Date | null; key?: ApiKey | undefined }> {
  if (keyId === null) return { lastUsedAt: null };
  const key = await deps.services.keys.get(keyId).catch(() => undefined);
  try {
    return { key, lastUsedAt: (await deps.services.usage.summary(keyId)).lastUsedAt ?? key?.lastUsedAt ?? null };
  } catch {
    return { key, lastUsedAt: key?.lastUsedAt ?? null };
  }
}

/**
 * Posts a new request's card in the approvals channel. If Slack refuses, the request still stands (it is listed by
 * `/harvest-keys approvals` and on approvers' App Home), and the requester is told the card is missing.
 */
export async function postApprovalCard(deps: SlackDeps, client: WebClient, request: ApprovalRequest): Promise<boolean> {
  const channel = deps.services.approvals.policy.channel;
  if (channel === undefined) return false;
  try {
    const card = approvalCard({
      request,
      catalog: deps.services.catalog,
      ...(await aboutKey(deps, request.keyId)),
    });
    const posted = await client.chat.postMessage({ channel, ...card });
    if (posted.ts !== undefined) await deps.services.approvals.setCard(request.id, channel, posted.ts);
    deps.logger.info(
      { requestId: request.id, action: request.action, keyId: request.keyId, userId: request.requestedBy },
      'approval requested',
    );
    return true;
  } catch (error) {
    logSlackFailure(deps, error, 'posting an approval card', { requestId: request.id });
    return false;
  }
}

/** Rewrites a card in place with the request's current state and decisions (buttons disappear once decided). */
export async function refreshApprovalCard(deps: SlackDeps, client: WebClient, request: ApprovalRequest): Promise<void> {
  if (request.cardChannel === null || request.cardTs === null) return;
  try {
    const card = approvalCard({
      request,
      catalog: deps.services.catalog,
      ...(await aboutKey(deps, request.keyId)),
    });
    await client.chat.update({ channel: request.cardChannel, ts: request.cardTs, ...card });
  } catch (error) {
    logSlackFailure(deps, error, 'updating an approval card', { requestId: request.id });
  }
}

/** What the requester's dialog says instead of a result: where the request went. */
export function heldView(request: ApprovalRequest): ModalView {
  return noticeView('Sent for Approval', `:hourglass_flowing_sand: ${escapeMrkdwn(heldNotice(request))}`);
}

/**
 * After the requester's dialog has been answered (within Slack's 3 s): post the card; if that fails, the requester
 * hears about it, and approvers still find the request with `approvals` and on their App Home.
 */
export async function announce(deps: SlackDeps, client: WebClient, request: ApprovalRequest): Promise<void> {
  if (await postApprovalCard(deps, client, request)) return;
  await tell(
    deps,
    client,
    request.requestedBy,
    `:warning: Your request to ${requestPhrase(request)} is waiting for approval, but its card could not be posted in the approvals channel. Approvers can still find it with \`${escapeMrkdwn(deps.command)} approvals\`.`,
  );
}
