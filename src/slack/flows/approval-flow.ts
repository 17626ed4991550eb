import type { WebClient } from '@slack/web-api';
import type { ApprovableAction, ApprovalRequest } from '../../approvals/types.ts';
import type { ApiKey } from '../../keys/types.ts';
import { approvalCard, heldNotice, requestPhrase } from '../blocks/approval-blocks.ts';
import type { ApprovalsStatus, Hold } from '../blocks/approval-notice.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { noticeView } from '../blocks/notice-views.ts';
import type { ModalView } from '../blocks/kit.ts';
import type { SlackDeps } from '../deps.ts';
import { logSlackFailure, slackErrorCode, tell } from './notify.ts';

/** Whether a dialog's change will wait for approval (approvals on, and the action held), told before submit. */
export function holdFor(deps: SlackDeps, action: ApprovableAction): Hold {
  const { approvals } = deps.services;
  return approvals.needsApproval(action) ? { approvalsRequired: approvals.policy.approvalsRequired } : undefined;
}

/** `holdFor`, where a dialog opens: also counts the approvers other than `userId`, to warn when too few exist. */
export async function holdOpening(deps: SlackDeps, action: ApprovableAction, userId: string): Promise<Hold> {
  const hold = holdFor(deps, action);
  if (hold === undefined) return undefined;
  const others = (await deps.services.roles.list()).filter((g) => g.role === 'approver' && g.slackUserId !== userId);
  return { ...hold, shortOfApprovers: { others: others.length, command: deps.command } };
}

/** What an admin's App Home says about approvals. */
export async function approvalsStatus(deps: SlackDeps): Promise<ApprovalsStatus> {
  const { policy } = deps.services.approvals;
  const approvers =
    policy.channel === undefined ? 0 : (await deps.services.roles.list()).filter((g) => g.role === 'approver').length;
  return {
    requiredFor: [...policy.requiredFor],
    channel: policy.channel,
    approvalsRequired: policy.approvalsRequired,
    approvers,
    command: deps.command,
  };
}

/** Slack's refusals of a card that an admin fixes in the channel, in their words. */
const CARD_REFUSALS: Record<string, (channel: string) => string> = {
  not_in_channel: (c) =>
    `the app is not a member of the approvals channel <#${c}>: invite it there (\`/invite @<the app's name>\` in that channel)`,
  channel_not_found: (c) =>
    `the approvals channel ${c} was not found (APPROVALS_CHANNEL): check the channel id, and for a private channel invite the app first`,
  is_archived: (c) =>
    `the approvals channel <#${c}> is archived: unarchive it or set APPROVALS_CHANNEL to another channel`,
};

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
export async function postApprovalCard(
  deps: SlackDeps,
  client: WebClient,
  request: ApprovalRequest,
): Promise<boolean | { why: string }> {
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
    const refusal = CARD_REFUSALS[slackErrorCode(error) ?? ''];
    return refusal === undefined ? false : { why: refusal(channel) };
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

/** A dialog whose change now waits for approval: it says so at once (Slack's 3 s), then the card is posted. */
export async function answerHeld(
  deps: SlackDeps,
  client: WebClient,
  answer: (response: { response_action: 'update'; view: ModalView }) => Promise<void>,
  request: ApprovalRequest,
): Promise<void> {
  await answer({ response_action: 'update', view: heldView(request) });
  await announce(deps, client, request);
}

/**
 * After the requester's dialog has been answered (within Slack's 3 s): post the card; if that fails, the requester
 * hears about it, and approvers still find the request with `approvals` and on their App Home.
 */
export async function announce(deps: SlackDeps, client: WebClient, request: ApprovalRequest): Promise<void> {
  const posted = await postApprovalCard(deps, client, request);
  if (posted === true) return;
  const why = posted === false ? '' : ` because ${posted.why}`;
  await tell(
    deps,
    client,
    request.requestedBy,
    `:warning: Your request to ${requestPhrase(request)} is waiting for approval, but its card could not be posted in the approvals channel${why}. Approvers can still find it with \`${escapeMrkdwn(deps.command)} approvals\`.`,
  );
}
