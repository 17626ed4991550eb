import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/shared/errors.ts';
import { aPartnerName, anAdmin } from '../fixtures/actors.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt.dispose();
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(isAppError(error) ? error.code : error).toBe(code);
    return error as Error;
  }
  throw new Error(`expected ${code}`);
}

const auditRows = async (keyId: string) => rt.store.audit.list({ keyId });

describe('creating a key', () => {
  it('applies the partner preset, defaults the description, and audits the creation without the secret', async () => {
    const name = aPartnerName();
    await rt.partners.create({ actor: anAdmin(), name, preset: ['GET /v1/candidates', 'GET: Retrieve Candidate'] });
    const actor = anAdmin();
    const { key, secret } = await rt.keys.create({ actor, partner: name, grants: ['GET /v1/users'] });
    expect(key.description).toBe(`${name} Harvest API Key`);
    expect(key.partnerName).toBe(name);
    expect(key.permissions).toEqual(['GET /v1/candidates', 'GET /v1/candidates/:id', 'GET /v1/users']);
    expect(key.hint).toBe(secret.slice(-4));
    expect(key.legacy).toBe(false);
    const [event] = await auditRows(key.id);
    expect(event).toMatchObject({ action: 'key.created', actor, keyId: key.id });
    expect(JSON.stringify(event)).not.toContain(secret);
  });

  it('lets a check allow exactly the granted endpoints', async () => {
    const { secret } = await rt.keys.create({ actor: anAdmin(), description: 'Checks', grants: ['GET /v1/users'] });
    const allowed = await rt.keys.check(secret, 'GET', '/v1/users');
    expect(allowed).toMatchObject({ outcome: 'decided', decision: { allowed: true } });
    const denied = await rt.keys.check(secret, 'GET', '/v1/users/1');
    expect(denied).toMatchObject({ outcome: 'decided', decision: { allowed: false, reason: 'not_granted' } });
    expect(
      await rt.keys.check(`${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`, 'GET', '/v1/users'),
    ).toEqual({ outcome: 'malformed', reason: 'checksum' });
    expect(await rt.keys.check(rt.secretFormat.generate(), 'GET', '/v1/users')).toEqual({ outcome: 'unknown' });
  });

  it('refuses bad input with a clear code and writes nothing', async () => {
    const before = (await rt.keys.list()).total;
    await expectCode(rt.keys.create({ actor: anAdmin(), description: '   ' }), 'DESCRIPTION_INVALID');
    await expectCode(rt.keys.create({ actor: anAdmin(), description: 'x'.repeat(256) }), 'DESCRIPTION_INVALID');
    await expectCode(rt.keys.create({ actor: anAdmin(), description: 'two\nlines' }), 'DESCRIPTION_INVALID');
    await expectCode(rt.keys.create({ actor: anAdmin(), partner: 'Nobody Inc' }), 'UNKNOWN_PARTNER');
    await expectCode(
      rt.keys.create({ actor: anAdmin(), description: 'x', grants: ['GET /v1/nope'] }),
      'UNKNOWN_ENDPOINT',
    );
    await expectCode(rt.keys.create({ actor: anAdmin(), description: 'x', grants: ['all of it'] }), 'GRANT_MALFORMED');
    expect((await rt.keys.list()).total).toBe(before);
  });

  it('accepts a 255-character description and markup characters as plain text', async () => {
    const description = `<!channel> *bold* & ${'d'.repeat(230)}`.slice(0, 255);
    const { key } = await rt.keys.create({ actor: anAdmin(), description });
    expect((await rt.keys.get(key.id)).description).toBe(description);
  });
});

describe('editing a key', () => {
  it('changes description and permissions, bumps the version and audits the diff', async () => {
    const { key } = await rt.keys.create({ actor: anAdmin(), description: 'Editable', grants: ['GET /v1/users'] });
    const result = await rt.keys.edit(key.id, {
      actor: anAdmin(),
      expectedVersion: key.version,
      description: 'Edited',
      add: ['GET /v1/jobs'],
      remove: ['GET /v1/users'],
    });
    expect(result).toMatchObject({ changed: true, added: ['GET /v1/jobs'], removed: ['GET /v1/users'] });
    expect(result.key).toMatchObject({
      description: 'Edited',
      permissions: ['GET /v1/jobs'],
      version: key.version + 1,
    });
    const [event] = await auditRows(key.id);
    expect(event).toMatchObject({
      action: 'key.edited',
      details: { added: ['GET /v1/jobs'], removed: ['GET /v1/users'] },
    });
  });

  it('refuses an edit based on a stale version', async () => {
    const { key } = await rt.keys.create({ actor: anAdmin(), description: 'Stale' });
    await rt.keys.edit(key.id, { actor: anAdmin(), expectedVersion: key.version, description: 'First' });
    const error = await expectCode(
      rt.keys.edit(key.id, { actor: anAdmin(), expectedVersion: key.version, description: 'Second' }),
      'STALE_VERSION',
    );
    expect(error).toMatchObject({ facts: { keyId: key.id, version: key.version + 1 } });
    expect((await rt.keys.get(key.id)).description).toBe('First');
  });

  it('lets exactly one of two concurrent edits on the same version win', async () => {
    const { key } = await rt.keys.create({ actor: anAdmin(), description: 'Race' });
    const results = await Promise.allSettled([
      rt.keys.edit(key.id, { actor: anAdmin(), expectedVersion: key.version, add: ['GET /v1/users'] }),
      rt.keys.edit(key.id, { actor: anAdmin(), expectedVersion: key.version, add: ['GET /v1/jobs'] }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(isAppError(rejected.reason, 'STALE_VERSION')).toBe(true);
    expect((await rt.keys.get(key.id)).permissions).toHaveLength(1);
    expect((await auditRows(key.id)).filter((e) => e.action === 'key.edited')).toHaveLength(1);
  });

  it('reports a missing key', async () => {
    await expectCode(rt.keys.edit('key_missing', { actor: anAdmin(), description: 'x' }), 'KEY_NOT_FOUND');
  });
});

describe('revoking and re-enabling', () => {
  it('revokes with a reason, once: a second revoke changes nothing and adds no audit row', async () => {
    const { key, secret } = await rt.keys.create({
      actor: anAdmin(),
      description: 'Revocable',
      grants: ['GET /v1/users'],
    });
    const first = await rt.keys.revoke(key.id, { actor: anAdmin(), reason: 'leaked in a ticket' });
    expect(first).toMatchObject({ changed: true, key: { status: 'revoked', revokeReason: 'leaked in a ticket' } });
    const second = await rt.keys.revoke(key.id, { actor: anAdmin() });
    expect(second.changed).toBe(false);
    expect((await auditRows(key.id)).filter((e) => e.action === 'key.revoked')).toHaveLength(1);
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({
      decision: { allowed: false, reason: 'revoked' },
    });

    const enabled = await rt.keys.enable(key.id, { actor: anAdmin() });
    expect(enabled).toMatchObject({ changed: true, key: { status: 'active', revokedAt: null } });
    expect((await rt.keys.enable(key.id, { actor: anAdmin() })).changed).toBe(false);
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });
  });

  it('settles concurrent revokes and re-enables into a consistent state with one audit row per real change', async () => {
    const { key } = await rt.keys.create({ actor: anAdmin(), description: 'Flip-flop' });
    await Promise.all([
      rt.keys.revoke(key.id, { actor: anAdmin() }),
      rt.keys.revoke(key.id, { actor: anAdmin() }),
      rt.keys.enable(key.id, { actor: anAdmin() }),
      rt.keys.revoke(key.id, { actor: anAdmin() }),
    ]);
    const final = await rt.keys.get(key.id);
    const events = (await auditRows(key.id)).reverse().filter((e) => e.action !== 'key.created');
    // Each recorded change must alternate, and the last one must match the stored state.
    events.forEach((event, i) => {
      if (i > 0) expect(event.action).not.toBe(events[i - 1]?.action);
    });
    const last = events.at(-1);
    expect(last?.action).toBe(final.status === 'revoked' ? 'key.revoked' : 'key.enabled');
    expect(final.version).toBe(1 + events.length);
  });
});

describe('replacing a lost key', () => {
  it('issues a new key with the same description, partner and permissions and revokes the old one now', async () => {
    const name = aPartnerName();
    await rt.partners.create({ actor: anAdmin(), name });
    const old = await rt.keys.create({ actor: anAdmin(), partner: name, grants: ['GET /v1/users'] });
    const replaced = await rt.keys.replace(old.key.id, { actor: anAdmin() });
    expect(replaced.secret).not.toBe(old.secret);
    expect(replaced.key).toMatchObject({
      description: old.key.description,
      partnerId: old.key.partnerId,
      permissions: ['GET /v1/users'],
    });
    expect(replaced.old).toMatchObject({ status: 'revoked', replacedBy: replaced.key.id });
    expect(await rt.keys.check(old.secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: false } });
    expect(await rt.keys.check(replaced.secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });
  });

  it('keeps the old key working through a grace period, then the sweep records its revocation', async () => {
    let now = new Date();
    const { createKeyService } = await import('../../src/keys/key-service.ts');
    const keys = createKeyService({
      store: rt.store,
      catalog: rt.catalog,
      secretFormat: rt.secretFormat,
      digest: rt.digest,
      legacyCutoff: rt.config.legacyCutoff,
      now: () => now,
    });
    const old = await keys.create({ actor: anAdmin(), description: 'Graceful', grants: ['GET /v1/users'] });
    const replaced = await keys.replace(old.key.id, { actor: anAdmin(), graceSeconds: 3600 });
    expect(replaced.old.status).toBe('active');
    expect(replaced.old.revokeAt?.getTime()).toBe(now.getTime() + 3600_000);
    expect(await keys.check(old.secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });
    now = new Date(now.getTime() + 3601_000);
    expect(await keys.check(old.secret, 'GET', '/v1/users')).toMatchObject({
      decision: { allowed: false, reason: 'revoked' },
    });
    expect(await keys.revokeDue()).toContain(old.key.id);
    expect(await keys.get(old.key.id)).toMatchObject({ status: 'revoked', revokedBy: 'system' });
  });

  it("turns a legacy key's implicit permissions into explicit grants on its replacement", async () => {
    const legacySecret = 'legacy0123456789abcdefABCDEF0001';
    await rt.importKeys(
      Buffer.from(`key,description,partner,created_at\n${legacySecret},Old integration,,2016-05-01\n`),
      anAdmin(),
    );
    const checked = await rt.keys.check(legacySecret, 'GET', '/v1/candidates');
    if (checked.outcome !== 'decided') throw new Error('expected the imported key');
    const replaced = await rt.keys.replace(checked.key.id, { actor: anAdmin() });
    expect(replaced.key.legacy).toBe(false);
    expect(replaced.key.permissions).toEqual([...rt.catalog.legacyEndpointIds].sort());
  });
});

describe('listing', () => {
  it('filters by status, partner and text', async () => {
    const name = aPartnerName();
    const partner = await rt.partners.create({ actor: anAdmin(), name });
    const a = await rt.keys.create({ actor: anAdmin(), partner: name, description: 'Findable zebra key' });
    const b = await rt.keys.create({ actor: anAdmin(), partner: name, description: 'Another one' });
    await rt.keys.revoke(b.key.id, { actor: anAdmin() });
    expect((await rt.keys.list({ partnerId: partner.id })).keys.map((k) => k.id).sort()).toEqual(
      [a.key.id, b.key.id].sort(),
    );
    expect((await rt.keys.list({ partnerId: partner.id, status: 'revoked' })).keys.map((k) => k.id)).toEqual([
      b.key.id,
    ]);
    expect((await rt.keys.list({ text: 'ZEBRA' })).keys.map((k) => k.id)).toEqual([a.key.id]);
    expect((await rt.keys.list({ text: name, limit: 1 })).total).toBe(2);
    expect((await rt.keys.list({ text: '100%_' })).keys).toEqual([]);
  });
});
