import type { ApprovableAction } from './types.ts';

export interface ApprovalPolicy {
  requiredFor: ReadonlySet<ApprovableAction>;
  approvalsRequired: number;
  /** Where cards are posted; without it nobody would see a request, so held actions are refused. */
  channel: string | undefined;
  ttlHours: number;
  revealTtlHours: number;
}

export function requiresApproval(policy: ApprovalPolicy, action: ApprovableAction): boolean {
  return policy.requiredFor.has(action);
}
