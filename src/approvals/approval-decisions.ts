import type { EditKeyInput } from '../keys/key-service.ts';
import { randomBase62 } from '../shared/base62.ts';
import { AppError, isAppError } from '../shared/errors.ts';
import { optionalReason } from '../shared/reason.ts';
import type { ApprovalContext } from './approval-deps.ts';
import { type ApprovalRecords, HOUR, isoDate } from './approval-records.ts';
import type { ApprovalRequest, KeyReveal } from './types.ts';

export type DecisionOutcome =
  | { outcome: 'recorded'; request: ApprovalRequest }
  | { outcome: 'duplicate'; request: ApprovalRequest }
  | { outcome: 'closed'; request: ApprovalRequest }
  | { outcome: 'denied'; request: ApprovalRequest }
  | { outcome: 'executed'; request: ApprovalRequest; reveal: KeyReveal | undefined }
  | { outcome: 'superseded'; request: ApprovalRequest }
  | { outcome: 'failed'; request: ApprovalRequest; error: AppError | Error }
  | { outcome: 'expired'; request: ApprovalRequest };

/** Approvers' decisions, and the one execution of a request that has enough approvals. */
export function createApprovalDecisions(ctx: ApprovalContext, records: ApprovalRecords) {
  const { store, keys, policy, now } = ctx;
  const { requireRequest, finish } = records;

  async function execute(request: ApprovalRequest): Promise<DecisionOutcome> {
    const { payload } = request;
    try {
      if (payload.action === 'create' || payload.action === 'replace') {
        if (payload.action === 'replace' || (payload.action === 'create' && payload.upgrade !== undefined)) {
          const key = await keys.get(request.keyId as string);
          if (key.version !== request.keyVersion) {
            return {
              outcome: 'superseded',
              request: await finish(request, 'superseded', { reason: 'the key changed after the request' }),
            };
          }
        }
        const revealId = `rvl_${randomBase62(22)}`;
        await store.approvals.insertReveal({
          id: revealId,
          requestId: request.id,
          requester: request.requestedBy,
          expiresAt: new Date(now().getTime() + policy.revealTtlHours * HOUR),
        });
        const done = await finish(request, 'approved', { revealId });
        return { outcome: 'executed', request: done, reveal: await store.approvals.findReveal(revealId) };
      }
      if (payload.action === 'permissions') {
        const edit: EditKeyInput = {
          actor: request.requestedBy,
          source: 'approvals',
          expectedVersion: request.keyVersion ?? undefined,
          grants: payload.permissions,
          description: payload.newDescription,
          expiresAt: isoDate(payload.expiry?.to),
          networks: payload.allowedNetworks,
          endLegacy: payload.endsLegacy,
          basedOnUsage: payload.basedOnUsage,
        };
        const result = await keys.edit(request.keyId as string, edit);
        return {
          outcome: 'executed',
          request: await finish(request, 'approved', { version: result.key.version }),
          reveal: undefined,
        };
      }
      const key = await keys.get(request.keyId as string);
      if (key.version !== request.keyVersion) {
        return {
          outcome: 'superseded',
          request: await finish(request, 'superseded', { reason: 'the key changed after the request' }),
        };
      }
      await keys.enable(key.id, {
        actor: request.requestedBy,
        source: 'approvals',
        expiresAt: payload.action === 'reenable' ? isoDate(payload.expiresAt) : undefined,
      });
      return { outcome: 'executed', request: await finish(request, 'approved', {}), reveal: undefined };
    } catch (error) {
      if (isAppError(error, 'STALE_VERSION')) {
        return {
          outcome: 'superseded',
          request: await finish(request, 'superseded', { reason: 'the key changed after the request' }),
        };
      }
      const code = isAppError(error) ? error.code : 'INTERNAL';
      return { outcome: 'failed', request: await finish(request, 'failed', { error: code }), error: error as Error };
    }
  }

  return {
    /**
     * One approver's decision. Deciders on the same request are serialised by a row lock, so "enough approvals"
     * is seen by exactly one of them, and only that one executes; a repeated click by the same approver counts once.
     */
    async decide(
      requestId: string,
      input: { approver: string; decision: 'approve' | 'deny'; reason?: string | undefined },
    ): Promise<DecisionOutcome> {
      const reason = optionalReason(input.reason);
      const step = await store.transaction(async (repos) => {
        const request = await repos.approvals.lockPending(requestId);
        if (request === undefined) {
          throw new AppError('APPROVAL_NOT_FOUND', `No approval request ${requestId}`, { facts: { requestId } });
        }
        if (request.state !== 'pending') return { kind: 'closed' as const };
        if (request.expiresAt <= now()) {
          await repos.approvals.transition(requestId, 'pending', 'expired', { decidedAt: now() });
          await repos.audit.append({
            actor: 'system',
            action: 'approval.expired',
            keyId: request.keyId ?? undefined,
            details: { requestId },
          });
          return { kind: 'expired' as const };
        }
        if (input.approver === request.requestedBy) {
          throw new AppError('SELF_APPROVAL', 'You cannot approve or deny your own request: another approver has to.');
        }
        if (!(await repos.roles.rolesOf(input.approver)).includes('approver')) {
          throw new AppError('FORBIDDEN', 'Only approvers can decide on requests.', { facts: { need: 'approver' } });
        }
        if (
          !(await repos.approvals.addDecision(requestId, {
            approver: input.approver,
            decision: input.decision,
            reason,
          }))
        ) {
          return { kind: 'duplicate' as const };
        }
        await repos.audit.append({
          actor: input.approver,
          action: 'approval.decided',
          keyId: request.keyId ?? undefined,
          details: { requestId, decision: input.decision, reason },
        });
        if (input.decision === 'deny') {
          await repos.approvals.transition(requestId, 'pending', 'denied', {
            decidedAt: now(),
            outcome: { deniedBy: input.approver, reason },
          });
          return { kind: 'denied' as const };
        }
        const approvals = request.decisions.filter((d) => d.decision === 'approve').length + 1;
        if (approvals < request.requiredApprovals) return { kind: 'recorded' as const };
        await repos.approvals.transition(requestId, 'pending', 'executing');
        return { kind: 'execute' as const };
      });
      const request = await requireRequest(requestId);
      if (step.kind === 'execute') return execute(request);
      return { outcome: step.kind, request };
    },
  };
}
