import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';
import { recordCanary } from '../helpers/secret-canary.ts';

let rt: TestRuntime;
let env: Record<string, string>;

beforeAll(async () => {
  rt = await createTestRuntime();
  env = { DATABASE_URL: rt.database.url, KEY_PEPPER: TEST_PEPPER, LOG_LEVEL: 'warn' };
});
afterAll(async () => {
  await rt.dispose();
});

const DAY = 86_400_000;

async function aLegacyKey(secret: string, description: string) {
  recordCanary(secret);
  await rt.importKeys(
    Buffer.from(`key,description,partner,created_at\n${secret},${description},,2016-03-01\n`),
    'cli:t',
  );
  const { keys } = await rt.keys.list({ text: description });
  const key = keys[0];
  if (key === undefined) throw new Error('imported key not found');
  await rt.keys.edit(key.id, { actor: anAdmin(), add: ['GET /v1/users/:id/permissions/jobs'] });
  return rt.keys.get(key.id);
}

describe('harvest-keys upgrade', () => {
  it('makes a client with the same permissions, partner, networks and expiry; the key stops after 7 days by default', async () => {
    const partner = await rt.partners.create({ actor: anAdmin(), name: 'Upgrade Partner' });
    const expiresAt = new Date(Date.now() + 30 * DAY);
    const key = await rt.keys.create({
      actor: anAdmin(),
      partner: partner.name,
      grants: ['GET /v1/candidates', 'GET /v1/users'],
      allowedNetworks: ['10.1.0.0/16'],
      expiresAt,
    });
    recordCanary(key.secret);
    const before = Date.now();
    const out = await runCli(['upgrade', key.key.id, '--json'], env);
    expect(out.code, out.stderr).toBe(0);
    const json = JSON.parse(out.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
    recordCanary(json.client_secret as string);
    expect(json).toMatchObject({
      kind: 'oauth_client',
      upgrades: key.key.id,
      permissions: ['GET /v1/candidates', 'GET /v1/users'],
      scopes: ['harvest:candidates:list', 'harvest:users:list'],
      fromLegacy: 0,
      allowedNetworks: ['10.1.0.0/16'],
    });
    expect(json.client_id).toMatch(/^hkc_/);

    const client = await rt.keys.get(json.id as string);
    expect(client).toMatchObject({
      kind: 'oauth_client',
      clientId: json.client_id,
      partnerId: partner.id,
      permissions: key.key.permissions,
      allowedNetworks: ['10.1.0.0/16'],
      legacy: false,
    });
    expect(client.expiresAt?.getTime()).toBe(expiresAt.getTime());

    const old = await rt.keys.get(key.key.id);
    expect(old.status).toBe('active');
    expect(old.replacedBy).toBe(client.id);
    const revokeAt = old.revokeAt?.getTime() ?? 0;
    expect(revokeAt).toBeGreaterThanOrEqual(before + 7 * DAY - 1000);
    expect(revokeAt).toBeLessThanOrEqual(Date.now() + 7 * DAY + 1000);

    const rows = await rt.db.sql<{ action: string; key_id: string; details: Record<string, unknown> }[]>`
      select action, key_id, details from audit_events where key_id in (${old.id}, ${client.id}) order by id`;
    expect(rows.find((r) => r.key_id === old.id && r.action === 'key.replaced')?.details).toMatchObject({
      upgrade: 'oauth_client',
      replacedBy: client.id,
      clientId: client.clientId,
    });
    expect(rows.find((r) => r.key_id === client.id && r.action === 'key.created')?.details).toMatchObject({
      upgrades: old.id,
      kind: 'oauth_client',
      clientId: client.clientId,
    });
    expect(JSON.stringify(rows)).not.toContain((json.client_secret as string).slice(3));

    const again = await runCli(['upgrade', key.key.id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already replaced');
    const ofClient = await runCli(['upgrade', client.id], env);
    expect(ofClient.code).toBe(1);
    expect(ofClient.stderr).toContain('already a Harvest v3 client');
  });

  it("makes a legacy key's implicit permissions explicit, and --grace 0 ends the key now", async () => {
    const legacy = await aLegacyKey('upgradeLegacyKey0123456789abcdefXY', 'Legacy to upgrade');
    expect(legacy.legacy).toBe(true);
    const rule = rt.keys.legacyRule();
    const out = await runCli(['upgrade', legacy.id, '--grace', '0'], env);
    expect(out.code, out.stderr).toBe(0);
    const secret = out.stdout.trim().split('\n').at(-1) as string;
    recordCanary(secret);
    expect(out.stdout).toContain(`${legacy.id} is revoked now`);
    expect(out.stdout).toMatch(/legacy endpoints the key could call without a grant, now explicit/);
    const [old] = (await rt.keys.list({ text: 'Legacy to upgrade' })).keys.filter((k) => k.id === legacy.id);
    expect(old?.status).toBe('revoked');
    const client = await rt.keys.get(old?.replacedBy as string);
    const expected = [...new Set([...legacy.permissions, ...rule.endpoints.map((e) => e.id)])].sort();
    expect(client.permissions).toEqual(expected);
    expect(client.permissions).toContain('GET /v1/users/:id/permissions/jobs');
    expect(client.legacy).toBe(false);
    expect(client.kind).toBe('oauth_client');
  });

  it('refuses a key that no longer works, and a bad grace, without making anything', async () => {
    const key = await rt.keys.create({ actor: anAdmin(), description: 'Revoked then upgraded', grants: [] });
    recordCanary(key.secret);
    await rt.keys.revoke(key.key.id, { actor: anAdmin() });
    const refused = await runCli(['upgrade', key.key.id], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('no longer works');
    const bad = await runCli(['upgrade', key.key.id, '--grace', 'soon'], env);
    expect(bad.code).toBe(2);
    const { total } = await rt.keys.list({ text: 'Revoked then upgraded' });
    expect(total).toBe(1);
  });
});
