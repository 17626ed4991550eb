import type { ApprovableAction } from './types.ts';

export interface ApprovalPolicy {
  /** Which actions are held while approvals are on (APPROVAL_REQUIRED_FOR). */
  requiredFor: ReadonlySet<ApprovableAction>;
  approvalsRequired: number;
  /** Where cards are posted. Approvals are on only with a channel: without one nobody would see a request. */
  channel: string | undefined;
  ttlHours: number;
  revealTtlHours: number;
}

/** Approvals are on once a channel is configured and at least one action is held; otherwise changes apply directly. */
export function approvalsOn(policy: ApprovalPolicy): boolean {
  return policy.channel !== undefined && policy.requiredFor.size > 0;
}

export function requiresApproval(policy: ApprovalPolicy, action: ApprovableAction): boolean {
  return policy.channel !== undefined && policy.requiredFor.has(action);
}

/** One line for the start-up log: whether changes made in Slack wait for a second person, and why. */
export function approvalsSummary(policy: ApprovalPolicy): string {
  if (policy.requiredFor.size === 0) return 'approvals are off: APPROVAL_REQUIRED_FOR is none, changes apply directly';
  if (policy.channel === undefined)
    return 'approvals are off: APPROVALS_CHANNEL is not set, so changes apply directly; set it to hold them for approval';
  return `approvals are on: ${[...policy.requiredFor].join(', ')} wait for ${policy.approvalsRequired} approval(s) in ${policy.channel}`;
}
