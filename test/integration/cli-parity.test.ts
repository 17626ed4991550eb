import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { TEST_PEPPER } from '../helpers/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

/** Issue 12 item 9 (CLI parity) and the CLI side of item 7 (partner PGP status, archiving). */
let database: TestDatabase;
let env: Record<string, string>;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  env = { DATABASE_URL: database.url, KEY_PEPPER: TEST_PEPPER, LOG_LEVEL: 'warn' };
});
afterAll(async () => {
  await database.drop();
});

describe('harvest-keys endpoints', () => {
  it('lists the whole catalog: method, path, label, OAuth scope and the legacy marker', async () => {
    const result = await runCli(['endpoints'], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^METHOD\s+PATH\s+LABEL\s+SCOPE\s+LEGACY$/);
    expect(result.stdout).toMatch(
      /\nGET\s+\/v1\/candidates\s+GET: List Candidates\s+harvest:candidates:list\s+legacy\n/,
    );
    expect(result.stdout).toContain('143 of 143 endpoints');
    // Labels that appear twice are told apart by their paths, each on its own row.
    expect(result.stdout.match(/DELETE: Destroy Openings/g)?.length).toBe(2);
  });

  it('--legacy keeps what a legacy key may call without grants; --search filters by path, label or resource', async () => {
    const legacy = await runCli(['endpoints', '--legacy', '--json'], env);
    const rows = JSON.parse(legacy.stdout) as { id: string; legacy: boolean; label: string; method: string }[];
    expect(rows).toHaveLength(52);
    expect(rows.every((r) => r.legacy)).toBe(true);

    const searched = await runCli(['endpoints', '--search', 'list candidates', '--json'], env);
    expect((JSON.parse(searched.stdout) as { id: string }[]).map((r) => r.id)).toEqual(['GET /v1/candidates']);
    const byPath = JSON.parse((await runCli(['endpoints', '--search', '/v1/candidates/:id', '--json'], env)).stdout);
    expect((byPath as { id: string }[]).every((r) => r.id.includes('/v1/candidates/:id'))).toBe(true);

    const none = await runCli(['endpoints', '--search', 'no such thing'], env);
    expect(none).toMatchObject({ code: 0 });
    expect(none.stdout).toContain('No endpoint of the');
  });

  it('is a usage mistake with an unknown flag (exit 2)', async () => {
    const result = await runCli(['endpoints', '--bogus'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: harvest-keys endpoints');
  });
});

describe('an unknown grant', () => {
  it('gets "did you mean" with the closest paths and labels, and nothing is created', async () => {
    const path = await runCli(['create', '--description', 'Typo', '--grant', 'GET /v1/candidate'], env);
    expect(path.code).toBe(1);
    expect(path.stderr).toContain('Not an endpoint of the');
    expect(path.stderr).toContain('Did you mean "GET /v1/candidates" (GET: List Candidates)');
    expect(path.stderr).toContain('harvest-keys endpoints --search TEXT');
    expect(path.stderr.trim().split('\n')).toHaveLength(1);

    const label = await runCli(['create', '--description', 'Typo', '--grant', 'GET: List Candidatez'], env);
    expect(label.code).toBe(1);
    expect(label.stderr).toContain('Did you mean "GET /v1/candidates" (GET: List Candidates)');

    const far = await runCli(['create', '--description', 'Typo', '--grant', 'GET /v9/nothing/like/this/at/all'], env);
    expect(far.code).toBe(1);
    expect(far.stderr).not.toContain('Did you mean');
    expect(JSON.parse((await runCli(['list', '--json'], env)).stdout)).toEqual([]);
  });
});

describe('create without permissions', () => {
  it('creates the key and warns on stderr, keeping --json output clean', async () => {
    const result = await runCli(['create', '--description', 'Nothing yet', '--json'], env);
    expect(result.code).toBe(0);
    const created = JSON.parse(result.stdout) as { id: string; permissions: string[] };
    expect(created.permissions).toEqual([]);
    expect(result.stderr).toContain(`warning: ${created.id} has no permissions`);
    expect(result.stderr).toContain('harvest-keys endpoints');

    const granted = await runCli(['create', '--description', 'Some', '--grant', 'GET /v1/candidates'], env);
    expect(granted).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('harvest-keys partner list and archive', () => {
  it('lists each partner’s PGP key status; archive hides a partner, keeps its keys, refuses new ones', async () => {
    expect(await runCli(['partner', 'add', 'Archie', '--preset', 'GET /v1/candidates'], env)).toMatchObject({
      code: 0,
    });
    expect(await runCli(['partner', 'add', 'Stays'], env)).toMatchObject({ code: 0 });
    const key = JSON.parse((await runCli(['create', '--partner', 'Archie', '--json'], env)).stdout) as { key: string };

    const before = await runCli(['partner', 'list'], env);
    expect(before.stdout).toMatch(/^NAME\s+ID\s+CONTACTS\s+PRESET\s+PGP KEY$/m);
    expect(before.stdout).toMatch(/^Archie\s+ptn_\S+\s+-\s+1\s+none$/m);

    const archived = await runCli(['partner', 'archive', 'Archie'], env);
    expect(archived).toMatchObject({ code: 0 });
    expect(archived.stdout).toContain('Archived partner "Archie"');
    expect((await runCli(['partner', 'archive', 'Archie'], env)).stdout).toContain('already archived');

    const after = await runCli(['partner', 'list'], env);
    expect(after.stdout).not.toContain('Archie');
    expect(after.stdout).toContain('Stays');
    const all = await runCli(['partner', 'list', '--archived', '--json'], env);
    const archie = (JSON.parse(all.stdout) as { name: string; archivedAt: string | null; pgp: unknown }[]).find(
      (p) => p.name === 'Archie',
    );
    expect(archie).toMatchObject({ archivedAt: expect.any(String), pgp: { status: 'none' } });

    const refused = await runCli(['create', '--partner', 'Archie'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Partner "Archie" is archived');
    expect(refused.stderr).toContain('harvest-keys partner unarchive "Archie"');
    expect(await runCli(['check', '-', 'GET', '/v1/candidates'], env, { input: key.key })).toMatchObject({ code: 0 });

    expect((await runCli(['partner', 'unarchive', 'Archie'], env)).stdout).toContain('Restored partner "Archie"');
    expect((await runCli(['partner', 'list'], env)).stdout).toContain('Archie');
    expect(await runCli(['create', '--partner', 'Archie'], env)).toMatchObject({ code: 0 });
  });
});
