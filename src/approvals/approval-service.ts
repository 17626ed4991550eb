import type { Clock } from '../shared/clock.ts';
import type { ApprovalContext, ApprovalStore, ApprovedKeyChanges } from './approval-deps.ts';
import { createApprovalDecisions } from './approval-decisions.ts';
import { createApprovalRecords } from './approval-records.ts';
import { createApprovalRequests } from './approval-requests.ts';
import { createApprovalReveals } from './approval-reveals.ts';
import { createApprovalSweep } from './approval-sweep.ts';
import { type ApprovalPolicy, requiresApproval } from './policy.ts';
import type { ApprovableAction } from './types.ts';

export type { ApprovalStore, ApprovalTransaction, ApprovedKeyChanges } from './approval-deps.ts';
export type { DecisionOutcome } from './approval-decisions.ts';

export type ApprovalService = ReturnType<typeof createApprovalService>;

/**
 * The four-eyes rule. A held action is stored with its exact payload; approvers decide; when enough approvals are
 * in, the action runs exactly once (a compare-and-set on the request's state, under a row lock). For create and
 * replace the secret is only made at hand-over, when the requester uses a one-time reveal.
 */
export function createApprovalService(deps: {
  store: ApprovalStore;
  keys: ApprovedKeyChanges;
  policy: ApprovalPolicy;
  now?: Clock;
}) {
  const { store, policy } = deps;
  const ctx: ApprovalContext = { store, keys: deps.keys, policy, now: deps.now ?? (() => new Date()) };
  const records = createApprovalRecords(ctx);

  return {
    policy,
    needsApproval: (action: ApprovableAction) => requiresApproval(policy, action),
    ...createApprovalRequests(ctx, records),
    ...createApprovalDecisions(ctx, records),
    ...createApprovalReveals(ctx, records),
    ...createApprovalSweep(ctx, records),
    get: records.requireRequest,
    listPending: () => store.approvals.listPending(ctx.now()),
    setCard: (id: string, channel: string, ts: string) => store.approvals.setCard(id, channel, ts),
  };
}
