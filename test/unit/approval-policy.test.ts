import { describe, expect, it } from 'vitest';
import { approvalsOn, approvalsSummary, requiresApproval } from '../../src/approvals/policy.ts';
import { loadConfig } from '../../src/config.ts';
import { revokedAsLost } from '../../src/keys/revoke-reason.ts';

describe('approval policy', () => {
  it('is off with the shipped defaults: APPROVAL_REQUIRED_FOR names actions, but no channel is set', () => {
    const policy = loadConfig({}).approvals;
    expect([...policy.requiredFor]).toEqual(['create', 'permissions', 'reenable', 'replace']);
    expect(approvalsOn(policy)).toBe(false);
    for (const action of policy.requiredFor) expect(requiresApproval(policy, action)).toBe(false);
    expect(approvalsSummary(policy)).toBe(
      'approvals are off: APPROVALS_CHANNEL is not set, so changes apply directly; set it to hold them for approval',
    );
  });

  it('holds exactly the listed actions once a channel is set', () => {
    const policy = loadConfig({ APPROVALS_CHANNEL: 'C0APPROVALS', APPROVAL_REQUIRED_FOR: 'create,replace' }).approvals;
    expect(approvalsOn(policy)).toBe(true);
    expect(requiresApproval(policy, 'create')).toBe(true);
    expect(requiresApproval(policy, 'replace')).toBe(true);
    expect(requiresApproval(policy, 'permissions')).toBe(false);
    expect(approvalsSummary(policy)).toBe('approvals are on: create, replace wait for 1 approval(s) in C0APPROVALS');
    const none = loadConfig({ APPROVALS_CHANNEL: 'C0APPROVALS', APPROVAL_REQUIRED_FOR: 'none' }).approvals;
    expect(approvalsOn(none)).toBe(false);
    expect(approvalsSummary(none)).toMatch(/^approvals are off: APPROVAL_REQUIRED_FOR is none/);
  });
});

describe('revoked as lost', () => {
  it('knows the Slack reason and the words an operator types in the CLI', () => {
    for (const reason of ['Lost or possibly leaked', 'lost', 'key leaked in a log', 'Compromised', 'stolen laptop'])
      expect(revokedAsLost(reason)).toBe(true);
    for (const reason of [null, 'No longer needed', 'replaced by key_abc', 'Partner relationship ended', 'closed'])
      expect(revokedAsLost(reason)).toBe(false);
  });
});
