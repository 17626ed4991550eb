import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalService } from '../../src/approvals/approval-service.ts';
import { createKeyService } from '../../src/keys/key-service.ts';
import { type AppError, isAppError } from '../../src/shared/errors.ts';
import { anAdmin } from '../fixtures/actors.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

/** Issue 10 finding 8: a key is replaced at most once; every later lifecycle step keeps the chain and the earliest end. */
let rt: TestRuntime;
const clock = new Date('2026-06-01T12:00:00Z');
const APPROVER = 'U0CHAINAPR';

beforeAll(async () => {
  rt = await createTestRuntime();
  await rt.roles.grant(APPROVER, 'approver', 'test');
});
afterAll(async () => {
  await rt.dispose();
});

const keyService = () =>
  createKeyService({
    store: rt.store,
    catalog: rt.catalog,
    secretFormat: rt.secretFormat,
    digest: rt.digest,
    legacyCutoff: rt.config.legacyCutoff,
    now: () => clock,
  });

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('a key that was already replaced', () => {
  it('refuses a second replace, naming the replacement, and keeps the first end and successor', async () => {
    const keys = keyService();
    const old = await keys.create({ actor: anAdmin(), description: 'Chain', grants: ['GET /v1/users'] });
    const first = await keys.replace(old.key.id, { actor: anAdmin(), graceSeconds: 3600 });
    const before = (await rt.keys.list()).total;
    const error = await refusal(keys.replace(old.key.id, { actor: anAdmin(), graceSeconds: 7 * 86400 }));
    expect(error.code).toBe('KEY_REPLACED');
    expect(error.message).toContain(first.key.id);
    expect((await rt.keys.list()).total).toBe(before);
    expect(await keys.get(old.key.id)).toMatchObject({
      replacedBy: first.key.id,
      revokeAt: first.old.revokeAt,
      version: first.old.version,
    });
    // A replace with no grace is refused the same way: it does not shorten or re-point the chain either.
    expect((await refusal(keys.replace(old.key.id, { actor: anAdmin() }))).code).toBe('KEY_REPLACED');
    expect(await keys.get(old.key.id)).toMatchObject({ status: 'active', replacedBy: first.key.id });
  });

  it('lets only one of two concurrent replaces through', async () => {
    const old = await rt.keys.create({ actor: anAdmin(), description: 'Race', grants: ['GET /v1/users'] });
    const before = (await rt.keys.list()).total;
    const results = await Promise.allSettled(
      [1, 2, 3].map(() => rt.keys.replace(old.key.id, { actor: anAdmin(), graceSeconds: 60 })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(isAppError(r.reason, 'KEY_REPLACED')).toBe(true);
    expect((await rt.keys.list()).total).toBe(before + 1);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof rt.keys.replace>>>).value;
    expect((await rt.keys.get(old.key.id)).replacedBy).toBe(winner.key.id);
  });

  it('refuses an edit and points to the replacement; revoke still ends it now and keeps the chain', async () => {
    const keys = keyService();
    const old = await keys.create({ actor: anAdmin(), description: 'Edit me', grants: ['GET /v1/users'] });
    const next = await keys.replace(old.key.id, { actor: anAdmin(), graceSeconds: 3600 });
    const edit = await refusal(keys.edit(old.key.id, { actor: anAdmin(), add: ['POST /v1/users'] }));
    expect(edit.code).toBe('KEY_REPLACED');
    expect(edit.message).toContain(next.key.id);
    expect((await keys.get(old.key.id)).permissions).toEqual(['GET /v1/users']);

    expect(await keys.check(old.secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });
    const revoked = await keys.revoke(old.key.id, { actor: anAdmin(), reason: 'leaked' });
    expect(revoked.changed).toBe(true);
    expect(revoked.key).toMatchObject({ status: 'revoked', replacedBy: next.key.id });
    expect(await keys.check(old.secret, 'GET', '/v1/users')).toMatchObject({
      decision: { allowed: false, reason: 'revoked' },
    });
  });

  it('re-enable cancels the scheduled end but keeps the successor, so the key still cannot be replaced twice', async () => {
    const keys = keyService();
    const old = await keys.create({ actor: anAdmin(), description: 'Keep', grants: ['GET /v1/users'] });
    const next = await keys.replace(old.key.id, { actor: anAdmin() });
    const enabled = await keys.enable(old.key.id, { actor: anAdmin() });
    expect(enabled.key).toMatchObject({ status: 'active', revokeAt: null, replacedBy: next.key.id });
    expect((await refusal(keys.replace(old.key.id, { actor: anAdmin() }))).code).toBe('KEY_REPLACED');
    expect((await keys.get(old.key.id)).replacedBy).toBe(next.key.id);
  });
});

describe('a held replace', () => {
  const approvalsFor = (keys: ReturnType<typeof keyService>) =>
    createApprovalService({
      store: rt.store,
      keys,
      policy: {
        requiredFor: new Set(['replace']),
        approvalsRequired: 1,
        channel: 'C0APPROVALS',
        ttlHours: 24,
        revealTtlHours: 24,
      },
      now: () => clock,
    });

  it('approved and revealed after another replace ran: refused, the first chain stays', async () => {
    const keys = keyService();
    const approvals = approvalsFor(keys);
    const requester = anAdmin();
    const old = await keys.create({ actor: anAdmin(), description: 'Held chain', grants: ['GET /v1/users'] });
    const request = await approvals.requestReplace(old.key.id, { actor: requester, graceSeconds: 86400 });
    const decided = await approvals.decide(request.id, { approver: APPROVER, decision: 'approve' });
    if (decided.outcome !== 'executed' || decided.reveal === undefined)
      throw new Error(`expected executed, got ${decided.outcome}`);
    const direct = await keys.replace(old.key.id, { actor: anAdmin(), graceSeconds: 60 });
    const before = (await rt.keys.list()).total;
    const error = await refusal(approvals.reveal(decided.reveal.id, requester));
    expect(error.code).toBe('KEY_REPLACED');
    expect(error.message).toContain(direct.key.id);
    expect((await rt.keys.list()).total).toBe(before);
    expect(await keys.get(old.key.id)).toMatchObject({ replacedBy: direct.key.id, revokeAt: direct.old.revokeAt });
  });

  it('is not even requested for a key that is already replaced', async () => {
    const keys = keyService();
    const approvals = approvalsFor(keys);
    const old = await keys.create({ actor: anAdmin(), description: 'Already', grants: ['GET /v1/users'] });
    const next = await keys.replace(old.key.id, { actor: anAdmin(), graceSeconds: 60 });
    const error = await refusal(approvals.requestReplace(old.key.id, { actor: anAdmin() }));
    expect(error.code).toBe('KEY_REPLACED');
    expect(error.message).toContain(next.key.id);
  });
});
