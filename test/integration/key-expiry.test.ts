import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_CHANGES_CHANNEL } from '../../src/db/store.ts';
import { anAdmin } from '../fixtures/actors.ts';
import { askAuthz, waitUntil } from '../helpers/authz-client.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { type ServerProcess, startServer } from '../helpers/processes.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';

const DAY = 86_400_000;
/** LEGACY_KEYS_EXPIRE_AT for the whole file: already past, so every legacy key has stopped. */
const LEGACY_END = '2020-01-01T00:00:00.000Z';

let rt: TestRuntime;
let server: ServerProcess;
let port: number;
let sql: postgres.Sql;
let env: Record<string, string>;

beforeAll(async () => {
  rt = await createTestRuntime({ env: { LEGACY_KEYS_EXPIRE_AT: LEGACY_END } });
  env = {
    DATABASE_URL: rt.database.url,
    KEY_PEPPER: TEST_PEPPER,
    LOG_LEVEL: 'warn',
    LEGACY_KEYS_EXPIRE_AT: LEGACY_END,
  };
  server = await startServer({ ...env, LOG_LEVEL: 'info' });
  port = server.port;
  sql = postgres(rt.database.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await sql?.end();
  await server?.stop();
  await rt?.dispose();
});

const ask = (secret: string) => askAuthz(port, { 'x-api-key': secret }, '/authz/v1/users');
const sleepUntil = async (ms: number) => {
  const wait = ms - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
};

describe('/authz and key expiry', () => {
  it('allows a key one second before expiresAt and answers 401 expired from that second on', async () => {
    // A whole second 2–3 s ahead: the boundary is exact to the millisecond, the wait stays short.
    const expiresAt = new Date(Math.ceil((Date.now() + 2_000) / 1000) * 1000);
    const issued = await rt.keys.create({
      actor: anAdmin(),
      description: 'Short-lived',
      grants: ['GET /v1/users'],
      expiresAt,
    });
    expect(issued.key.expiresAt?.toISOString()).toBe(expiresAt.toISOString());
    await waitUntil(async () => (await ask(issued.secret)).status === 200, 1_500);

    await sleepUntil(expiresAt.getTime() - 1_000);
    expect((await ask(issued.secret)).status).toBe(200);

    await sleepUntil(expiresAt.getTime());
    const after = await ask(issued.secret);
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ error: 'unauthorized', reason: 'expired', message: 'The API key has expired.' });
    expect(after.headers.get('www-authenticate')).toMatch(/^Basic realm=/);

    // What people see: the key is expired, worded with the date.
    const shown = await runCli(['show', issued.key.id], env);
    expect(shown.stdout).toContain(`status:      expired ${expiresAt.toISOString().replace('.000Z', 'Z')}`);
    const check = await runCli(['check', issued.secret, 'GET', '/v1/users'], env);
    expect(check.stdout).toContain(`denied: key ${issued.key.id} has expired`);
  });

  it('reports a key both revoked and past its expiry as revoked', async () => {
    const issued = await rt.keys.create({
      actor: anAdmin(),
      description: 'Both',
      grants: ['GET /v1/users'],
      expiresAt: new Date(Date.now() + 1_000),
    });
    await rt.keys.revoke(issued.key.id, { actor: anAdmin() });
    await sleepUntil(Date.now() + 1_100);
    await waitUntil(async () => (await ask(issued.secret)).body?.reason === 'revoked', 3_000);
  });

  it('stops legacy keys at LEGACY_KEYS_EXPIRE_AT (the earlier of their own expiry and it), at /authz and where shown', async () => {
    const plain = await rt.keys.create({ actor: anAdmin(), description: 'Modern', grants: ['GET /v1/users'] });
    const old = await rt.keys.create({ actor: anAdmin(), description: 'Old timer', grants: ['GET /v1/users'] });
    await waitUntil(async () => (await ask(old.secret)).status === 200);
    // Made a legacy key the way an import of an old key would have: the index reloads it on the notification.
    await sql`update api_keys set legacy = true, version = version + 1 where id = ${old.key.id}`;
    await sql`select pg_notify(${KEY_CHANGES_CHANNEL}, ${old.key.id})`;
    await waitUntil(async () => (await ask(old.secret)).body?.reason === 'expired', 5_000);
    expect((await ask(plain.secret)).status).toBe(200);

    const key = await rt.keys.get(old.key.id);
    expect(key.expiresAt?.toISOString()).toBe(LEGACY_END);
    const shown = await runCli(['show', old.key.id], env);
    expect(shown.stdout).toContain('status:      expired 2020-01-01T00:00:00Z');
    const listed = await runCli(['list', '--status', 'active'], env);
    expect(listed.stdout).toMatch(new RegExp(`${old.key.id}.*expired 2020-01-01T00:00:00Z`));
  });
});

describe('setting expiry from the CLI', () => {
  it('takes a duration or an ISO date-time on create, shows "expires in", and refuses the past and nonsense', async () => {
    const created = await runCli(['create', '--description', 'Ninety', '--expires', '90d', '--json'], env);
    expect(created.code).toBe(0);
    const { id, expiresAt } = JSON.parse(created.stdout) as { id: string; expiresAt: string };
    expect(Math.abs(Date.parse(expiresAt) - (Date.now() + 90 * DAY))).toBeLessThan(60_000);
    const shown = await runCli(['show', id], env);
    expect(shown.stdout).toMatch(/status: {6}active, expires in (89|90) days/);
    expect(shown.stdout).toMatch(/expiry: {6}expires \S+ \(in (89|90) days\)/);

    const iso = await runCli(['create', '--description', 'Dated', '--expires', '2031-03-01T12:00:00Z', '--json'], env);
    expect(JSON.parse(iso.stdout)).toMatchObject({ expiresAt: '2031-03-01T12:00:00.000Z' });

    const past = await runCli(['create', '--description', 'Past', '--expires', '2020-01-01'], env);
    expect(past.code).not.toBe(0);
    expect(past.stderr).toContain('a time in the future');
    const nonsense = await runCli(['create', '--description', 'Bad', '--expires', 'soon'], env);
    expect(nonsense.code).not.toBe(0);
    expect(nonsense.stderr).toContain('a duration (30m, 12h, 90d) or an ISO date-time');
    const both = await runCli(['create', '--description', 'Both', '--expires', '1d', '--no-expiry'], env);
    expect(both.code).not.toBe(0);
  });

  it('extends, shortens and removes an expiry with extend (and edit --expires), audited with before and after', async () => {
    const created = await runCli(['create', '--description', 'Extendable', '--expires', '12h', '--json'], env);
    const { id } = JSON.parse(created.stdout) as { id: string };
    const extended = await runCli(['extend', id, '--expires', '30d'], env);
    expect(extended).toMatchObject({ code: 0 });
    expect(extended.stdout).toMatch(new RegExp(`${id} now expires \\S+ \\(in (29|30) days\\)`));
    const edited = await runCli(['edit', id, '--expires', '2h'], env);
    expect(edited.stdout).toMatch(/it now expires \S+ \(in (1 hour|2 hours|119 minutes)\)/);
    const never = await runCli(['extend', id, '--no-expiry', '--json'], env);
    expect(JSON.parse(never.stdout)).toMatchObject({ id, expiresAt: null, changed: true });
    expect((await runCli(['extend', id], env)).code).not.toBe(0);

    const rows = await sql<
      Array<{ details: { expiry?: { from: string | null; to: string | null; extended: boolean } } }>
    >`
      select details from audit_events where key_id = ${id} and action = 'key.edited' order by id`;
    expect(rows.map((r) => r.details.expiry?.extended)).toEqual([true, false, true]);
    expect(rows[2]?.details.expiry?.to).toBeNull();
  });

  it('lists the keys expiring within a window (list --expiring 7d)', async () => {
    const soon = JSON.parse(
      (await runCli(['create', '--description', 'Soon', '--expires', '3d', '--json'], env)).stdout,
    );
    const later = JSON.parse(
      (await runCli(['create', '--description', 'Later', '--expires', '30d', '--json'], env)).stdout,
    );
    const listed = await runCli(['list', '--expiring', '7d'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${soon.id}.*active, expires in (2|3) days`));
    expect(listed.stdout).not.toContain(later.id);
    expect((await runCli(['list', '--expiring', 'week'], env)).code).not.toBe(0);
  });
});

describe('KEY_MAX_LIFETIME_DAYS', () => {
  const capped = () => ({ ...env, KEY_MAX_LIFETIME_DAYS: '30' });

  it('gives a key created without --expires the maximum, and refuses longer or no expiry on create', async () => {
    const created = await runCli(['create', '--description', 'Capped', '--json'], capped());
    expect(created.code).toBe(0);
    const { expiresAt } = JSON.parse(created.stdout) as { expiresAt: string };
    expect(Math.abs(Date.parse(expiresAt) - (Date.now() + 30 * DAY))).toBeLessThan(60_000);

    const tooLong = await runCli(['create', '--description', 'Too long', '--expires', '31d'], capped());
    expect(tooLong.code).not.toBe(0);
    expect(tooLong.stderr).toContain('Keys may live at most 30 days (KEY_MAX_LIFETIME_DAYS)');
    expect(tooLong.stderr).toContain('--expires 30d');
    const never = await runCli(['create', '--description', 'Forever', '--no-expiry'], capped());
    expect(never.code).not.toBe(0);
    expect(never.stderr).toContain('a key without an expiry');
    expect((await runCli(['create', '--description', 'Within', '--expires', '29d'], capped())).code).toBe(0);
  });

  it('refuses replace, re-enable and extend beyond the maximum; re-enable without --expires gets it', async () => {
    const created = JSON.parse((await runCli(['create', '--description', 'Cycle', '--json'], capped())).stdout);
    const replaced = await runCli(['replace', created.id, '--expires', '60d'], capped());
    expect(replaced.code).not.toBe(0);
    expect(replaced.stderr).toContain('at most 30 days');
    const replacedOk = await runCli(['replace', created.id, '--expires', '10d', '--json'], capped());
    expect(replacedOk.code).toBe(0);

    const other = JSON.parse((await runCli(['create', '--description', 'Revived', '--json'], capped())).stdout);
    await runCli(['revoke', other.id], capped());
    const refused = await runCli(['enable', other.id, '--no-expiry'], capped());
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('a key without an expiry');
    const enabled = await runCli(['enable', other.id, '--json'], capped());
    expect(JSON.parse(enabled.stdout)).toMatchObject({ id: other.id, changed: true });
    expect((await runCli(['extend', other.id, '--expires', '45d'], capped())).code).not.toBe(0);
  });

  it('re-enables an expired key with a new expiry, and /authz honours it again', async () => {
    const issued = await rt.keys.create({
      actor: anAdmin(),
      description: 'Lapsed',
      grants: ['GET /v1/users'],
      expiresAt: new Date(Date.now() + 500),
    });
    await sleepUntil(Date.now() + 600);
    await waitUntil(async () => (await ask(issued.secret)).body?.reason === 'expired', 3_000);
    const enabled = await runCli(['enable', issued.key.id, '--expires', '7d'], env);
    expect(enabled).toMatchObject({ code: 0 });
    expect(enabled.stdout).toMatch(/Re-enabled key_\w+; it expires \S+ \(in (6|7) days\)/);
    await waitUntil(async () => (await ask(issued.secret)).status === 200, 5_000);
  });
});
