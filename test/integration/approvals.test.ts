import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalService } from '../../src/approvals/approval-service.ts';
import type { ApprovalPolicy } from '../../src/approvals/policy.ts';
import { loadConfig } from '../../src/config.ts';
import { createKeyService } from '../../src/keys/key-service.ts';
import { isAppError } from '../../src/shared/errors.ts';
import { anAdmin } from '../fixtures/actors.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let rt: TestRuntime;
let clock = new Date('2026-06-01T12:00:00Z');
const APPROVER_A = 'U0APPROVEA';
const APPROVER_B = 'U0APPROVEB';
const APPROVER_C = 'U0APPROVEC';

beforeAll(async () => {
  rt = await createTestRuntime();
  for (const id of [APPROVER_A, APPROVER_B, APPROVER_C]) await rt.roles.grant(id, 'approver', 'test');
});
afterAll(async () => {
  await rt.dispose();
});

const aPolicy = (overrides: Partial<ApprovalPolicy> = {}): ApprovalPolicy => ({
  requiredFor: new Set(['create', 'permissions', 'reenable', 'replace']),
  approvalsRequired: 1,
  channel: 'C0APPROVALS',
  ttlHours: 24,
  revealTtlHours: 24,
  ...overrides,
});

function services(policy = aPolicy()) {
  const keys = createKeyService({
    store: rt.store,
    catalog: rt.catalog,
    secretFormat: rt.secretFormat,
    digest: rt.digest,
    legacyCutoff: rt.config.legacyCutoff,
    now: () => clock,
  });
  return { keys, approvals: createApprovalService({ store: rt.store, keys, policy, now: () => clock }) };
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isAppError(error) ? error.code : String(error);
  }
  return 'resolved';
}

const executions = async (requestId: string) =>
  (await rt.store.audit.list({ limit: 1000 })).filter(
    (e) => e.action === 'approval.executed' && e.details?.requestId === requestId,
  );

describe('a held create', () => {
  it('creates nothing until approved, then the requester reveals the key exactly once', async () => {
    const { approvals } = services();
    const requester = anAdmin();
    const before = (await rt.keys.list()).total;
    const request = await approvals.requestCreate({
      actor: requester,
      description: 'Held key',
      grants: ['GET /v1/users'],
    });
    expect(request).toMatchObject({
      state: 'pending',
      action: 'create',
      payload: { description: 'Held key', permissions: ['GET /v1/users'] },
    });
    expect((await rt.keys.list()).total).toBe(before);

    const decided = await approvals.decide(request.id, { approver: APPROVER_A, decision: 'approve' });
    expect(decided.outcome).toBe('executed');
    // Approved, yet still no key: the secret is only made at hand-over.
    expect((await rt.keys.list()).total).toBe(before);
    const revealId = decided.outcome === 'executed' ? decided.reveal?.id : undefined;
    expect(revealId).toBeDefined();

    expect(await code(approvals.reveal(revealId as string, APPROVER_A))).toBe('REVEAL_UNAVAILABLE');
    const { issued } = await approvals.reveal(revealId as string, requester);
    expect(issued.key).toMatchObject({ description: 'Held key', permissions: ['GET /v1/users'], createdBy: requester });
    expect(await rt.keys.check(issued.secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });
    expect(await code(approvals.reveal(revealId as string, requester))).toBe('REVEAL_UNAVAILABLE');
    expect((await rt.keys.list()).total).toBe(before + 1);
  });

  it('is denied with a reason and never creates a key', async () => {
    const { approvals } = services();
    const before = (await rt.keys.list()).total;
    const request = await approvals.requestCreate({ actor: anAdmin(), description: 'Denied key' });
    const decided = await approvals.decide(request.id, { approver: APPROVER_B, decision: 'deny', reason: 'no ticket' });
    expect(decided.outcome).toBe('denied');
    expect(decided.request).toMatchObject({ state: 'denied', outcome: { deniedBy: APPROVER_B, reason: 'no ticket' } });
    expect((await approvals.decide(request.id, { approver: APPROVER_A, decision: 'approve' })).outcome).toBe('closed');
    expect((await rt.keys.list()).total).toBe(before);
  });

  it('refuses self-approval, and decisions by someone without the approver role', async () => {
    const { approvals } = services();
    const request = await approvals.requestCreate({ actor: APPROVER_A, description: 'Self' });
    expect(await code(approvals.decide(request.id, { approver: APPROVER_A, decision: 'approve' }))).toBe(
      'SELF_APPROVAL',
    );
    expect(await code(approvals.decide(request.id, { approver: 'U0RANDOMER', decision: 'approve' }))).toBe('FORBIDDEN');
    expect((await approvals.get(request.id)).state).toBe('pending');
  });

  it('needs two different approvers when two are required, each counting once', async () => {
    const { approvals } = services(aPolicy({ approvalsRequired: 2 }));
    const request = await approvals.requestCreate({ actor: anAdmin(), description: 'Two approvals' });
    expect((await approvals.decide(request.id, { approver: APPROVER_A, decision: 'approve' })).outcome).toBe(
      'recorded',
    );
    expect((await approvals.decide(request.id, { approver: APPROVER_A, decision: 'approve' })).outcome).toBe(
      'duplicate',
    );
    expect((await approvals.get(request.id)).state).toBe('pending');
    expect((await approvals.decide(request.id, { approver: APPROVER_B, decision: 'approve' })).outcome).toBe(
      'executed',
    );
  });

  it('executes exactly once when approvers click at the same moment and Slack delivers a click twice', async () => {
    const { approvals } = services();
    const request = await approvals.requestCreate({ actor: anAdmin(), description: 'Race' });
    const outcomes = await Promise.all([
      approvals.decide(request.id, { approver: APPROVER_A, decision: 'approve' }),
      approvals.decide(request.id, { approver: APPROVER_B, decision: 'approve' }),
      approvals.decide(request.id, { approver: APPROVER_C, decision: 'approve' }),
      approvals.decide(request.id, { approver: APPROVER_A, decision: 'approve' }),
    ]);
    expect(outcomes.filter((o) => o.outcome === 'executed')).toHaveLength(1);
    expect(await executions(request.id)).toHaveLength(1);
    const [reveals] = await rt.db.sql`select count(*)::int as n from key_reveals where request_id = ${request.id}`;
    expect(reveals?.n).toBe(1);
  });
});

describe('held changes to an existing key', () => {
  it('shows the exact permission diff and applies it on approval', async () => {
    const { approvals, keys } = services();
    const { key } = await keys.create({
      actor: anAdmin(),
      description: 'Diff me',
      grants: ['GET /v1/users', 'GET /v1/jobs'],
    });
    const request = await approvals.requestEdit(key.id, {
      actor: anAdmin(),
      expectedVersion: key.version,
      add: ['POST /v1/candidates'],
      remove: ['GET /v1/jobs'],
    });
    expect(request.payload).toMatchObject({
      action: 'permissions',
      added: ['POST /v1/candidates'],
      removed: ['GET /v1/jobs'],
    });
    expect((await keys.get(key.id)).permissions).toEqual(['GET /v1/jobs', 'GET /v1/users']);
    expect((await approvals.decide(request.id, { approver: APPROVER_A, decision: 'approve' })).outcome).toBe(
      'executed',
    );
    expect((await keys.get(key.id)).permissions).toEqual(['GET /v1/users', 'POST /v1/candidates']);
  });

  it('is superseded, and runs nothing, when the key changed after the request', async () => {
    const { approvals, keys } = services();
    const { key } = await keys.create({ actor: anAdmin(), description: 'Moving target' });
    const request = await approvals.requestEdit(key.id, {
      actor: anAdmin(),
      expectedVersion: key.version,
      add: ['GET /v1/users'],
    });
    await keys.edit(key.id, { actor: anAdmin(), description: 'Someone else edited' });
    const decided = await approvals.decide(request.id, { approver: APPROVER_A, decision: 'approve' });
    expect(decided.outcome).toBe('superseded');
    expect(decided.request.state).toBe('superseded');
    expect((await keys.get(key.id)).permissions).toEqual([]);
  });

  it('re-enables a revoked key only after approval', async () => {
    const { approvals, keys } = services();
    const { key } = await keys.create({ actor: anAdmin(), description: 'Re-enable me' });
    const revoked = await keys.revoke(key.id, { actor: anAdmin() });
    const request = await approvals.requestEnable(key.id, anAdmin());
    expect((await keys.get(key.id)).status).toBe('revoked');
    expect((await approvals.decide(request.id, { approver: APPROVER_C, decision: 'approve' })).outcome).toBe(
      'executed',
    );
    expect(await keys.get(key.id)).toMatchObject({ status: 'active', version: revoked.key.version + 1 });
  });

  it('replaces a key at hand-over: the old key keeps working until the new one is revealed', async () => {
    const { approvals, keys } = services();
    const requester = anAdmin();
    const old = await keys.create({ actor: anAdmin(), description: 'Replace me', grants: ['GET /v1/users'] });
    const request = await approvals.requestReplace(old.key.id, { actor: requester, graceSeconds: 0 });
    const decided = await approvals.decide(request.id, { approver: APPROVER_B, decision: 'approve' });
    expect(await keys.check(old.secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });
    const { issued } = await approvals.reveal(
      decided.outcome === 'executed' ? (decided.reveal?.id as string) : '',
      requester,
    );
    expect(issued.key.permissions).toEqual(['GET /v1/users']);
    expect(await keys.check(old.secret, 'GET', '/v1/users')).toMatchObject({
      decision: { allowed: false, reason: 'revoked' },
    });
  });
});

describe('expiry', () => {
  it('expires a request nobody decided on, and an approved key nobody revealed', async () => {
    const { approvals } = services(aPolicy({ ttlHours: 1, revealTtlHours: 2 }));
    const stale = await approvals.requestCreate({ actor: anAdmin(), description: 'Nobody looked' });
    const requester = anAdmin();
    const approved = await approvals.requestCreate({ actor: requester, description: 'Never revealed' });
    const decided = await approvals.decide(approved.id, { approver: APPROVER_A, decision: 'approve' });
    const revealId = decided.outcome === 'executed' ? (decided.reveal?.id as string) : '';

    clock = new Date(clock.getTime() + 90 * 60_000);
    expect((await approvals.decide(stale.id, { approver: APPROVER_A, decision: 'approve' })).outcome).toBe('expired');
    clock = new Date(clock.getTime() + 60 * 60_000);
    expect(await code(approvals.reveal(revealId, requester))).toBe('REVEAL_UNAVAILABLE');
    const swept = await approvals.sweep();
    expect(swept.expiredReveals.map((r) => r.id)).toContain(revealId);
    const events = await rt.store.audit.list({ limit: 1000 });
    expect(events.some((e) => e.action === 'approval.reveal_expired' && e.details?.revealId === revealId)).toBe(true);
    expect((await rt.keys.list({ text: 'Never revealed' })).total).toBe(0);
  });
});

describe('configuration', () => {
  it('refuses a held action with a message saying what to configure', async () => {
    const noChannel = services(aPolicy({ channel: undefined }));
    const error = await noChannel.approvals
      .requestCreate({ actor: anAdmin(), description: 'x' })
      .catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'APPROVAL_NOT_CONFIGURED', facts: { missing: 'channel' } });
    expect((error as Error).message).toMatch(/set APPROVALS_CHANNEL/);
    const tooFew = services(aPolicy({ approvalsRequired: 4 }));
    const refused = await tooFew.approvals.requestCreate({ actor: anAdmin(), description: 'x' }).catch((e: Error) => e);
    expect(refused).toMatchObject({
      code: 'APPROVAL_NOT_CONFIGURED',
      facts: { missing: 'approvers', required: 4, approvers: expect.any(Number) },
    });
    // How to grant the role depends on where the person is: the CLI and Slack text modules add it.
    expect((refused as Error).message).not.toMatch(/harvest-keys/);
  });

  it('never lets revoke wait: it is not an action that can be held', () => {
    expect(() => loadConfig({ APPROVAL_REQUIRED_FOR: 'create,revoke' })).toThrow(/APPROVAL_REQUIRED_FOR is invalid/);
    expect([...loadConfig({}).approvals.requiredFor]).toEqual(['create', 'permissions', 'reenable', 'replace']);
    expect(loadConfig({ APPROVAL_REQUIRED_FOR: 'none' }).approvals.requiredFor.size).toBe(0);
  });
});

describe('refusals shared with the key service', () => {
  it('refuses a held replace or upgrade whose grace is outside 0 to 90 days, and holds nothing', async () => {
    const { keys, approvals } = services();
    const key = await keys.create({ actor: anAdmin(), description: 'Grace bounds', grants: ['GET /v1/users'] });
    const pending = (await approvals.listPending()).length;
    for (const graceSeconds of [-1, 90 * 24 * 3600 + 1, Number.NaN]) {
      expect(await code(approvals.requestReplace(key.key.id, { actor: anAdmin(), graceSeconds }))).toBe(
        'GRACE_INVALID',
      );
      expect(await code(approvals.requestUpgrade(key.key.id, { actor: anAdmin(), graceSeconds }))).toBe(
        'GRACE_INVALID',
      );
    }
    expect(await code(keys.replace(key.key.id, { actor: anAdmin(), graceSeconds: -1 }))).toBe('GRACE_INVALID');
    expect((await approvals.listPending()).length).toBe(pending);
  });

  it('refuses a decision or a revocation whose reason is over 500 characters or holds a NUL, recording nothing', async () => {
    const { keys, approvals } = services();
    const key = await keys.create({ actor: anAdmin(), description: 'Reason bounds', grants: ['GET /v1/users'] });
    const request = await approvals.requestCreate({ actor: anAdmin(), description: 'Reason bounds held' });
    for (const reason of ['x'.repeat(501), 'lost\u0000']) {
      const refused = await approvals
        .decide(request.id, { approver: APPROVER_A, decision: 'deny', reason })
        .catch((e: Error) => e);
      expect(refused).toMatchObject({ code: 'REASON_INVALID', field: 'reason' });
      expect(await code(keys.revoke(key.key.id, { actor: anAdmin(), reason }))).toBe('REASON_INVALID');
    }
    expect(await approvals.get(request.id)).toMatchObject({ state: 'pending', decisions: [] });
    expect((await keys.get(key.key.id)).status).toBe('active');
    // Blank counts as no reason; at the limit it is kept, trimmed.
    const kept = ` ${'y'.repeat(500)} `;
    expect((await keys.revoke(key.key.id, { actor: anAdmin(), reason: kept })).key.revokeReason).toBe('y'.repeat(500));
    expect(await approvals.decide(request.id, { approver: APPROVER_A, decision: 'deny', reason: '   ' })).toMatchObject(
      {
        outcome: 'denied',
        request: { outcome: { reason: null } },
      },
    );
  });
});
