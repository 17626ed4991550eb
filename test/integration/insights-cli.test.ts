import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { TEST_PEPPER } from '../helpers/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { seedUsage } from '../helpers/usage-seed.ts';

/** Issue 16: usage, trim and migrate-legacy from the CLI, over key_usage rows as /authz flushes them. */
let database: TestDatabase;
let sql: postgres.Sql;
let env: Record<string, string>;
beforeAll(async () => {
  database = await createTestDatabase();
  sql = postgres(database.url, { max: 1, onnotice: () => {} });
  env = { DATABASE_URL: database.url, KEY_PEPPER: TEST_PEPPER, LOG_LEVEL: 'warn' };
});
afterAll(async () => {
  await sql.end();
  await database.drop();
});

async function createKey(description: string, grants: string[]): Promise<string> {
  const created = await runCli(
    ['create', '--description', description, ...grants.flatMap((g) => ['--grant', g]), '--json'],
    env,
  );
  expect(created.code).toBe(0);
  return (JSON.parse(created.stdout) as { id: string }).id;
}

/** Moves a key's creation date back, as if it had been made `days` ago. */
async function ageKey(keyId: string, days: number): Promise<void> {
  await sql`update api_keys set created_at = now() - make_interval(days => ${days}) where id = ${keyId}`;
}

let serial = 0;
async function legacyKey(description: string, grants: string[] = []): Promise<string> {
  serial += 1;
  const secret = `insightsLegacy0123456789abcdef${String(serial).padStart(4, '0')}`;
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'hk-insights-')), 'keys.csv');
  await writeFile(
    file,
    `key,description,partner,created_at,grants\n${secret},${description},,2016-05-01,${grants.join(';')}\n`,
  );
  const imported = await runCli(['import', file, '--json'], env);
  expect(imported.code).toBe(0);
  return (JSON.parse(imported.stdout) as { id: string }[])[0]!.id;
}

async function auditOf(keyId: string) {
  return sql<
    {
      action: string;
      actor: string;
      details: Record<string, unknown>;
      before: Record<string, unknown>;
      after: Record<string, unknown>;
    }[]
  >`
    select action, actor, details, before, after from audit_events where key_id = ${keyId} order by id`;
}

describe('harvest-keys usage', () => {
  it('lists allowed and denied requests per endpoint by catalog name, busiest first, within the window', async () => {
    const id = await createKey('Usage report', ['GET /v1/candidates', 'GET /v1/jobs']);
    await seedUsage(sql, [
      { keyId: id, endpointId: 'GET /v1/candidates', daysAgo: 0, allowed: 40 },
      { keyId: id, endpointId: 'GET /v1/candidates', daysAgo: 3, allowed: 2, denied: 1 },
      { keyId: id, endpointId: 'POST /v1/candidates', daysAgo: 1, denied: 7 },
      { keyId: id, endpointId: '-', daysAgo: 2, denied: 1 },
      // Outside the default 30 days: left out.
      { keyId: id, endpointId: 'GET /v1/jobs', daysAgo: 45, allowed: 500 },
    ]);
    const text = await runCli(['usage', id], env);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toContain('the last 30 day(s)');
    expect(text.stdout).toContain('42 allowed, 9 denied request(s)');
    const rows = text.stdout.split('\n').filter((l) => /^(GET|POST|\(targets)/.test(l));
    expect(rows[0]).toMatch(/^GET: List Candidates\s+\[GET \/v1\/candidates\]\s+yes\s+42\s+1\s+\d{4}-\d{2}-\d{2}$/);
    expect(rows[1]).toMatch(/^POST: Add Candidate\s+\[POST \/v1\/candidates\]\s+no\s+0\s+7\s/);
    expect(rows[2]).toMatch(/^\(targets outside the catalog\)\s+-\s+0\s+1\s/);
    expect(text.stdout).not.toContain('GET /v1/jobs');

    const wide = JSON.parse((await runCli(['usage', id, '--days', '60', '--json'], env)).stdout) as {
      days: number;
      allowed: number;
      endpoints: { endpoint: string | null; permission: string | null; allowed: number; granted: string }[];
    };
    expect(wide).toMatchObject({ days: 60, allowed: 542 });
    expect(wide.endpoints[0]).toMatchObject({
      endpoint: 'GET /v1/jobs',
      permission: 'GET: List Jobs',
      allowed: 500,
      granted: 'yes',
    });
    expect(wide.endpoints.find((e) => e.endpoint === null)).toMatchObject({ permission: null, granted: '-' });
  });

  it('says when nothing was recorded, and refuses a bad --days as a usage mistake', async () => {
    const id = await createKey('Quiet key', ['GET /v1/candidates']);
    const quiet = await runCli(['usage', id], env);
    expect(quiet.stdout).toContain('No requests recorded in that window.');
    for (const days of ['0', 'ten', '-3', '2.5', '99999']) {
      const bad = await runCli(['usage', id, `--days=${days}`], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--days must be a whole number of days from 1 to 3650');
    }
    expect((await runCli(['usage', 'key_doesnotexist'], env)).code).toBe(1);
  });
});

describe('harvest-keys trim', () => {
  it('lists the grants without an allowed call in 30 days, and --apply removes exactly those in one audited edit', async () => {
    const id = await createKey('Trim me', [
      'GET /v1/candidates',
      'GET /v1/jobs',
      'GET /v1/users',
      'POST /v1/candidates',
    ]);
    await ageKey(id, 200);
    await seedUsage(sql, [
      { keyId: id, endpointId: 'GET /v1/candidates', daysAgo: 1, allowed: 10 },
      // Denied calls do not count as use; calls older than the window neither.
      { keyId: id, endpointId: 'POST /v1/candidates', daysAgo: 1, denied: 4 },
      { keyId: id, endpointId: 'GET /v1/users', daysAgo: 40, allowed: 9 },
    ]);
    const dry = await runCli(['trim', id], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`${id}: 3 of its 4 permission(s) had no allowed call in the last 30 day(s)`);
    expect(dry.stdout).toContain('  - GET: List Jobs  [GET /v1/jobs]');
    expect(dry.stdout).toContain('  - GET: List Users  [GET /v1/users]');
    expect(dry.stdout).toContain('  - POST: Add Candidate  [POST /v1/candidates]');
    expect(dry.stdout).toContain('Run again with --apply');
    expect(dry.stdout).not.toContain('note:');
    // A dry run changes nothing.
    expect((await auditOf(id)).map((a) => a.action)).toEqual(['key.created']);

    const wider = JSON.parse((await runCli(['trim', id, '--days', '60', '--json'], env)).stdout) as {
      unused: string[];
    };
    expect(wider.unused).toEqual(['GET /v1/jobs', 'POST /v1/candidates']);

    const applied = await runCli(['trim', id, '--apply'], env);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(
      `Removed 3 of the 4 permission(s) of ${id} that had no allowed call in the last 30 day(s)`,
    );
    const shown = JSON.parse((await runCli(['show', id, '--json'], env)).stdout) as { permissions: string[] };
    expect(shown.permissions).toEqual(['GET /v1/candidates']);
    const audit = await auditOf(id);
    expect(audit.map((a) => a.action)).toEqual(['key.created', 'key.edited']);
    expect(audit[1]).toMatchObject({
      actor: expect.stringMatching(/^cli:/),
      details: {
        removed: ['GET /v1/jobs', 'GET /v1/users', 'POST /v1/candidates'],
        added: [],
        basedOnUsage: { days: 30 },
      },
      after: { permissions: ['GET /v1/candidates'] },
    });

    const again = await runCli(['trim', id, '--apply'], env);
    expect(again.stdout).toContain('each of its 1 permission(s) had an allowed call');
    expect((await auditOf(id)).length).toBe(2);
  });

  it('says so when the key is younger than the window', async () => {
    const id = await createKey('Brand new', ['GET /v1/candidates']);
    const dry = await runCli(['trim', id], env);
    expect(dry.stdout).toContain(`note: ${id} was created`);
    expect(dry.stdout).toContain(
      'after the window began: a grant it has not used yet may simply not have been needed yet.',
    );
    expect(JSON.parse((await runCli(['trim', id, '--json'], env)).stdout)).toMatchObject({
      keyYoungerThanWindow: true,
      unused: ['GET /v1/candidates'],
      applied: false,
    });
  });
});

describe('harvest-keys migrate-legacy', () => {
  it('shows which legacy endpoints the key called; --apply grants exactly those and ends the implicit access', async () => {
    const newer = 'GET /v1/users/:id/permissions/jobs';
    const id = await legacyKey('Old sync', [newer]);
    await seedUsage(sql, [
      { keyId: id, endpointId: 'GET /v1/candidates', daysAgo: 5, allowed: 30 },
      { keyId: id, endpointId: 'GET /v1/jobs', daysAgo: 80, allowed: 1 },
      // Too old for 90 days, and denied calls: neither counts.
      { keyId: id, endpointId: 'GET /v1/users', daysAgo: 120, allowed: 3 },
      { keyId: id, endpointId: 'POST /v1/candidates', daysAgo: 2, denied: 2 },
      { keyId: id, endpointId: newer, daysAgo: 2, allowed: 2 },
    ]);
    const before = await runCli(
      ['check', `insightsLegacy0123456789abcdef${String(serial).padStart(4, '0')}`, 'GET', '/v1/users'],
      env,
    );
    expect(before.code).toBe(0);

    const dry = await runCli(['migrate-legacy', id], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      `${id} is a legacy key: it may call 52 legacy endpoint(s) without explicit grants. In the last 90 day(s)`,
    );
    expect(dry.stdout).toContain('it called 2 of them:');
    expect(dry.stdout).toContain('  + GET: List Candidates  [GET /v1/candidates]');
    expect(dry.stdout).toContain('  + GET: List Jobs  [GET /v1/jobs]');
    expect(dry.stdout).toContain(
      'Converted, it may call 3 endpoint(s): its 1 explicit grant(s) plus those 2; the other 50 legacy endpoint(s) end',
    );
    expect((await auditOf(id)).map((a) => a.action)).toEqual(['key.imported']);

    const applied = await runCli(['migrate-legacy', id, '--apply', '--json'], env);
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({
      applied: true,
      legacy: false,
      called: ['GET /v1/candidates', 'GET /v1/jobs'],
      permissions: ['GET /v1/candidates', 'GET /v1/jobs', newer],
    });
    const shown = JSON.parse((await runCli(['show', id, '--json'], env)).stdout) as {
      legacy: boolean;
      permissions: string[];
    };
    expect(shown).toMatchObject({ legacy: false, permissions: ['GET /v1/candidates', 'GET /v1/jobs', newer] });
    // The implicit access is gone: an uncalled legacy endpoint is refused now, a called one still allowed.
    const secret = `insightsLegacy0123456789abcdef${String(serial).padStart(4, '0')}`;
    expect((await runCli(['check', secret, 'GET', '/v1/users'], env)).code).toBe(1);
    expect((await runCli(['check', secret, 'GET', '/v1/candidates'], env)).code).toBe(0);
    const audit = await auditOf(id);
    expect(audit.map((a) => a.action)).toEqual(['key.imported', 'key.edited']);
    expect(audit[1]).toMatchObject({
      details: {
        added: ['GET /v1/candidates', 'GET /v1/jobs'],
        removed: [],
        endedLegacy: true,
        basedOnUsage: { days: 90 },
      },
      before: { legacy: true },
      after: { legacy: false },
    });

    const twice = await runCli(['migrate-legacy', id], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`Key ${id} is not a legacy key`);
  });

  it('keeps the end LEGACY_KEYS_EXPIRE_AT set for legacy keys: converting never lengthens a key’s life', async () => {
    const id = await legacyKey('Sunset legacy');
    await seedUsage(sql, [{ keyId: id, endpointId: 'GET /v1/candidates', daysAgo: 1, allowed: 1 }]);
    const sunset = { ...env, LEGACY_KEYS_EXPIRE_AT: '2031-03-01T00:00:00Z' };
    expect((await runCli(['migrate-legacy', id, '--apply'], sunset)).code).toBe(0);
    // Read without the setting: the end is the key's own now.
    const shown = JSON.parse((await runCli(['show', id, '--json'], env)).stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ legacy: false, expiresAt: '2031-03-01T00:00:00.000Z' });
  });

  it('warns when the converted key could call nothing', async () => {
    const id = await legacyKey('Idle legacy');
    const dry = await runCli(['migrate-legacy', id, '--days', '7'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('it called 0 of them:\n  (none)');
    expect(dry.stderr).toContain('every request with it would be denied');
  });
});
