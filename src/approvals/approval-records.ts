import { randomBase62 } from '../shared/base62.ts';
import { AppError } from '../shared/errors.ts';
import type { ApprovalContext } from './approval-deps.ts';
import type { ApprovableAction, ApprovalPayload, ApprovalRequest } from './types.ts';

export const HOUR = 3600_000;

/** A held expiry back as the services take it: absent stays absent (the default), null is never. */
export function isoDate(value: string | null | undefined): Date | null | undefined {
  return value == null ? (value as null | undefined) : new Date(value);
}

export type ApprovalRecords = ReturnType<typeof createApprovalRecords>;

/** A request's record: read by id, opened (audited, once approvals are possible) and closed after it ran. */
export function createApprovalRecords(ctx: ApprovalContext) {
  const { store, policy, now } = ctx;

  async function requireRequest(id: string): Promise<ApprovalRequest> {
    const request = await store.approvals.findById(id);
    if (request === undefined) {
      throw new AppError('APPROVAL_NOT_FOUND', `No approval request ${id}`, { facts: { requestId: id } });
    }
    return request;
  }

  async function assertConfigured(requester: string): Promise<void> {
    if (policy.channel === undefined) {
      throw new AppError(
        'APPROVAL_NOT_CONFIGURED',
        'This change needs approval, but no approvals channel is configured: set APPROVALS_CHANNEL (or remove the action from APPROVAL_REQUIRED_FOR).',
        { facts: { missing: 'channel' } },
      );
    }
    const approvers = (await store.roles.list()).filter((g) => g.role === 'approver' && g.slackUserId !== requester);
    if (approvers.length < policy.approvalsRequired) {
      throw new AppError(
        'APPROVAL_NOT_CONFIGURED',
        `This change needs ${policy.approvalsRequired} approval(s) from someone other than you, but only ${approvers.length} other approver(s) exist: grant the approver role to more people.`,
        { facts: { missing: 'approvers', required: policy.approvalsRequired, approvers: approvers.length } },
      );
    }
  }

  async function open(
    action: ApprovableAction,
    requester: string,
    keyId: string | null,
    keyVersion: number | null,
    payload: ApprovalPayload,
  ): Promise<ApprovalRequest> {
    await assertConfigured(requester);
    const id = `apr_${randomBase62(12)}`;
    await store.transaction(async (repos) => {
      await repos.approvals.insert({
        id,
        action,
        keyId,
        keyVersion,
        payload,
        requestedBy: requester,
        requiredApprovals: policy.approvalsRequired,
        expiresAt: new Date(now().getTime() + policy.ttlHours * HOUR),
      });
      await repos.audit.append({
        actor: requester,
        action: 'approval.requested',
        keyId: keyId ?? undefined,
        details: { requestId: id, action, payload },
      });
    });
    return requireRequest(id);
  }

  async function finish(
    request: ApprovalRequest,
    to: 'approved' | 'superseded' | 'failed',
    outcome: Record<string, unknown>,
  ): Promise<ApprovalRequest> {
    await store.transaction(async (repos) => {
      await repos.approvals.transition(request.id, 'executing', to, { outcome, decidedAt: now() });
      const action =
        to === 'approved' ? 'approval.executed' : to === 'superseded' ? 'approval.superseded' : 'approval.failed';
      await repos.audit.append({
        actor: 'system',
        action,
        keyId: request.keyId ?? undefined,
        details: { requestId: request.id, ...outcome },
      });
    });
    return requireRequest(request.id);
  }

  return { requireRequest, open, finish };
}
