import type { ApprovalContext } from './approval-deps.ts';
import type { ApprovalRecords } from './approval-records.ts';
import type { ApprovalRequest, KeyReveal } from './types.ts';

export function createApprovalSweep(ctx: ApprovalContext, records: Pick<ApprovalRecords, 'requireRequest'>) {
  const { store, now } = ctx;
  const { requireRequest } = records;

  return {
    /** Expires stale requests and unrevealed keys; returns the requests whose cards should be updated. */
    async sweep(): Promise<{ expiredRequests: ApprovalRequest[]; expiredReveals: KeyReveal[] }> {
      const at = now();
      const expiredRequests: ApprovalRequest[] = [];
      for (const request of await store.approvals.expiredPending(at)) {
        const changed = await store.transaction(async (repos) => {
          if (!(await repos.approvals.transition(request.id, 'pending', 'expired', { decidedAt: at }))) return false;
          await repos.audit.append({
            actor: 'system',
            action: 'approval.expired',
            keyId: request.keyId ?? undefined,
            details: { requestId: request.id },
          });
          return true;
        });
        if (changed) expiredRequests.push(await requireRequest(request.id));
      }
      const expiredReveals: KeyReveal[] = [];
      for (const reveal of await store.approvals.expiredReveals(at)) {
        const changed = await store.transaction(async (repos) => {
          if (!(await repos.approvals.markRevealExpired(reveal.id, at))) return false;
          await repos.audit.append({
            actor: 'system',
            action: 'approval.reveal_expired',
            details: {
              requestId: reveal.requestId,
              revealId: reveal.id,
              note: 'approved key expired unrevealed; it was never created',
            },
          });
          return true;
        });
        if (changed) expiredReveals.push(reveal);
      }
      return { expiredRequests, expiredReveals };
    },
  };
}
