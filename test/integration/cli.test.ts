import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { runCli as runBin } from '../helpers/processes.ts';
import { TEST_PEPPER } from '../helpers/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
let env: Record<string, string>;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  env = { DATABASE_URL: database.url, KEY_PEPPER: TEST_PEPPER, LOG_LEVEL: 'warn' };
});
afterAll(async () => {
  await database.drop();
});

describe('the harvest-keys CLI', () => {
  it('creates a key with grants, checks exactly those, and denies after revoke', async () => {
    const partner = await runCli(
      ['partner', 'add', 'Cli Partner', '--contact', 'U0CLI00001', '--preset', 'GET /v1/candidates'],
      env,
    );
    expect(partner).toMatchObject({ code: 0 });
    const created = await runCli(
      ['create', '--partner', 'Cli Partner', '--grant', 'GET: Retrieve Candidate', '--json'],
      env,
    );
    expect(created.code).toBe(0);
    const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };
    expect(key).toMatch(/^hk_/);

    const allowed = await runCli(['check', key, 'GET', '/v1/candidates/42'], env);
    expect(allowed).toMatchObject({ code: 0 });
    expect(allowed.stdout).toContain('allowed');
    const denied = await runCli(['check', key, 'POST', '/v1/candidates'], env);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain('does not have permission "POST: Add Candidate"');

    const shown = await runCli(['show', id, '--json'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      id,
      partner: 'Cli Partner',
      permissions: ['GET /v1/candidates', 'GET /v1/candidates/:id'],
    });
    expect(shown.stdout).not.toContain(key);

    expect(await runCli(['revoke', id, '--reason', 'rotated'], env)).toMatchObject({
      code: 0,
      stdout: `Revoked ${id}.\n`,
    });
    const afterRevoke = await runCli(['check', key, 'GET', '/v1/candidates/42'], env);
    expect(afterRevoke.code).toBe(1);
    expect(afterRevoke.stdout).toContain('is revoked');
  });

  it('imports a pre-2017 key that may call the legacy endpoints, and nothing added later', async () => {
    const file = path.join(tmpdir(), `legacy-${process.pid}.csv`);
    await writeFile(
      file,
      'key,description,partner,created_at\nabcdef0123456789abcdef0123456789,Legacy sync,,2016-09-01\n',
    );
    const imported = await runCli(['import', file], env);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/Imported 1 key\(s\) \(1 legacy\)/);
    expect((await runCli(['check', 'abcdef0123456789abcdef0123456789', 'GET', '/v1/candidates'], env)).code).toBe(0);
    expect(
      (await runCli(['check', 'abcdef0123456789abcdef0123456789', 'GET', '/v1/users/1/permissions/jobs'], env)).code,
    ).toBe(1);
    const again = await runCli(['import', file], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/line 2: this key was already imported/);
  });

  it('answers bad input with one clear line and a non-zero exit', async () => {
    const malformed = await runCli(['check', 'hk_notavalidkey', 'GET', '/v1/users'], env);
    expect(malformed).toMatchObject({ code: 1, stdout: 'denied: the key is malformed\n' });
    const missing = await runCli(['edit', 'key_doesnotexist', '--description', 'x'], env);
    expect(missing).toMatchObject({ code: 1, stderr: 'harvest-keys: No key with id key_doesnotexist\n' });
    const usage = await runCli(['create'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--description is required/);
    const unknown = await runCli(['create', '--description', 'x', '--grant', 'GET /v1/nope'], env);
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('names the host when the database cannot be reached, without a stack trace', async () => {
    const result = await runCli(['list'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:9/nowhere',
      KEY_PEPPER: TEST_PEPPER,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^harvest-keys: Cannot reach PostgreSQL at 127\.0\.0\.1:9\/nowhere: connection refused at 127\.0\.0\.1:9 \(is PostgreSQL running and listening there\?\)\n$/,
    );
  });

  it('says why the server refused, in its words and without SQLSTATE codes (issue 10 finding 8)', async () => {
    const base = new URL(database.url);
    const missing = await runCli(['list'], {
      DATABASE_URL: `postgres://${base.username}@${base.host}/nc_missing`,
      KEY_PEPPER: TEST_PEPPER,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `harvest-keys: Cannot reach PostgreSQL at ${base.host}/nc_missing: database "nc_missing" does not exist\n`,
    );
    const role = await runCli(['list'], {
      DATABASE_URL: `postgres://nc_nobody:pw@${base.host}${base.pathname}`,
      KEY_PEPPER: TEST_PEPPER,
    });
    expect(role.code).toBe(1);
    expect(role.stderr).toMatch(/role "nc_nobody" does not exist|password authentication failed for user "nc_nobody"/);
    expect(`${missing.stderr}${role.stderr}`).not.toMatch(/\b(3D000|28000|28P01)\b|\n\s+at /);
  });

  it("finds a usage mistake before it opens the database (exit 2), and prints a command's usage for --help (exit 0)", async () => {
    const unreachable = { DATABASE_URL: 'postgres://postgres@127.0.0.1:9/nowhere', KEY_PEPPER: TEST_PEPPER };
    const mistake = await runCli(['list', '--bogus'], unreachable);
    expect(mistake).toMatchObject({ code: 2, stdout: '' });
    expect(mistake.stderr).toMatch(/^harvest-keys: unknown option "--bogus"\nusage: harvest-keys list /);
    expect(await runCli(['replace', '--help'], unreachable)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^usage: harvest-keys replace <id>/),
    });
    expect(await runCli(['help', 'partner', 'key'], unreachable)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^usage: harvest-keys partner key /),
    });
    expect((await runCli(['role', 'add', 'U012ABCDEF', 'boss'], unreachable)).code).toBe(2);
  });

  it('refuses a second replace of a key, naming its replacement, and keeps the first end', async () => {
    const created = await runCli(['create', '--description', 'Replace twice', '--json'], env);
    const { id } = JSON.parse(created.stdout) as { id: string };
    const first = await runCli(['replace', id, '--grace', '1h', '--json'], env);
    expect(first.code).toBe(0);
    const { id: successor, oldKeyRevokeAt } = JSON.parse(first.stdout) as { id: string; oldKeyRevokeAt: string };
    const second = await runCli(['replace', id, '--grace', '7d'], env);
    expect(second).toMatchObject({ code: 1, stdout: '' });
    expect(second.stderr).toMatch(new RegExp(`^harvest-keys: Key ${id} was already replaced by ${successor} .*\n$`));
    expect(JSON.parse((await runCli(['show', id, '--json'], env)).stdout)).toMatchObject({
      replacedBy: successor,
      revokeAt: oldKeyRevokeAt,
    });
  });

  it('check - reads the key from standard input', async () => {
    const created = await runCli(['create', '--description', 'Stdin check', '--grant', 'GET /v1/users', '--json'], env);
    const { key } = JSON.parse(created.stdout) as { key: string };
    expect(await runCli(['check', '-', 'GET', '/v1/users'], env, { input: `${key}\n` })).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^allowed: /),
    });
    expect(await runCli(['check', '-', 'POST', '/v1/users'], env, { input: key })).toMatchObject({ code: 1 });
  });

  it('names each bad setting', async () => {
    const result = await runCli(['list'], { DATABASE_URL: database.url, AUTHZ_PORT: 'x' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/KEY_PEPPER is missing/);
    expect(result.stderr).toMatch(/AUTHZ_PORT is invalid/);
  });
});

// Everything above runs the CLI's own code in-process; these two run the bin an operator runs, as a process.
describe('the harvest-keys bin', () => {
  it('prints its help without a database', async () => {
    const help = await runBin(['--help'], {});
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^harvest-keys: manage API keys from the command line\n/);
  });

  it('checks a key read from its standard input against the database, and exits 0 for allowed, 1 for denied', async () => {
    const created = await runCli(['create', '--description', 'Bin check', '--grant', 'GET /v1/users', '--json'], env);
    const { key } = JSON.parse(created.stdout) as { key: string };
    expect(await runBin(['check', '-', 'GET', '/v1/users'], env, { input: key })).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^allowed: /),
      stderr: '',
    });
    expect(await runBin(['check', '-', 'POST', '/v1/users'], env, { input: key })).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/^denied: /),
    });
  });
});
