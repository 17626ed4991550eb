import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import { harvestCatalog } from '../../src/catalog/load-catalog.ts';
import { approvalCard, heldNotice, requestPhrase } from '../../src/slack/blocks/approval-blocks.ts';
import { editConfirmView } from '../../src/slack/blocks/edit-key-views.ts';
import { extendView } from '../../src/slack/blocks/reminder-blocks.ts';
import { assertValidSurface } from '../helpers/block-kit-validator.ts';
import { aKey } from '../fixtures/slack-edge-data.ts';

const catalog = harvestCatalog();
const now = new Date('2026-12-01T00:00:00Z');
const expiry = { from: '2026-12-05T00:00:00.000Z', to: '2027-03-01T00:00:00.000Z', extended: true };

function edit(change: Partial<Extract<ApprovalRequest['payload'], { action: 'permissions' }>>): ApprovalRequest {
  return {
    id: 'apr_1',
    action: 'permissions',
    keyId: 'key_1',
    keyVersion: 3,
    payload: {
      action: 'permissions',
      description: 'Payroll',
      permissions: ['GET /v1/users'],
      added: [],
      removed: [],
      ...change,
    },
    requestedBy: 'U0REQUESTER',
    requiredApprovals: 1,
    state: 'pending',
    createdAt: now,
    expiresAt: now,
    decidedAt: null,
    outcome: null,
    cardChannel: null,
    cardTs: null,
    decisions: [],
  };
}

describe('a held Extend', () => {
  it('is asked for as an extension, not as a permission change with nothing added or removed', () => {
    const request = edit({ expiry });
    const card = approvalCard({ request, catalog, lastUsedAt: null, key: { description: 'Payroll', hint: 'c2oD' } });
    assertValidSurface('message', card);
    const text = JSON.stringify(card);
    expect(text).toContain('Extend the expiry of an API key');
    expect(text).not.toContain('Change permissions');
    expect(text).not.toContain('Added (0)');
    expect(text).toContain('(extended)');
    expect(heldNotice(request)).toMatch(/^Extend the expiry of an API key \(Payroll\) was sent for approval/);
    expect(requestPhrase(request)).toBe('extend the expiry of an API key (Payroll)');
  });

  it('a permission change that also moves the expiry is still a permission change', () => {
    const request = edit({ expiry, added: ['GET /v1/jobs'] });
    const text = JSON.stringify(approvalCard({ request, catalog, lastUsedAt: null }));
    expect(text).toContain('Change permissions of an API key');
    expect(text).toContain('Added (1)');
    expect(text).toContain('Removed (0)');
  });

  it('the Extend dialog says the later expiry waits for approval, not "a permission change"', () => {
    const key = { ...aKey({ description: 'Payroll' }), expiresAt: new Date(now.getTime() + 3 * 86_400_000) };
    const view = extendView({
      key,
      now,
      policy: { maxLifetimeDays: null },
      hold: { approvalsRequired: 1 },
      privateMetadata: '{}',
    });
    assertValidSurface('modal', view);
    const text = JSON.stringify(view);
    expect(text).toContain('*Needs approval.* The later expiry is not applied when you submit');
    expect(text).not.toContain('permission change');
  });
});

describe('removing permissions from a key in use', () => {
  it('says how it is in use when every recent call was refused, not "in use (last used never)"', () => {
    const key = aKey({ description: 'Payroll', permissions: ['GET /v1/users', 'GET /v1/jobs'] });
    const view = (usage: { lastUsedAt: Date | null; allowedLast7Days: number; deniedLast7Days: number }) =>
      JSON.stringify(
        editConfirmView({
          key,
          catalog,
          description: 'Payroll',
          added: [],
          removed: ['GET /v1/jobs'],
          usage,
          now,
          privateMetadata: '{}',
        }),
      );
    const refusedOnly = view({ lastUsedAt: null, allowedLast7Days: 0, deniedLast7Days: 9 });
    expect(refusedOnly).toContain('This key is in use (9 refused requests in the last 7 days)');
    expect(refusedOnly).not.toContain('last used never');
    expect(view({ lastUsedAt: now, allowedLast7Days: 2, deniedLast7Days: 0 })).toContain(
      'This key is in use (last used <!date^',
    );
  });
});
