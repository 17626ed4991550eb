import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/processes.ts';
import { unusedLocalPort } from '../helpers/local-ports.ts';

/**
 * Issue 10 finding 8, as an operator meets it: the CLI against the embedded PostgreSQL, piped into `head`, stopped by
 * a signal, started from another folder, with the pepper file lost. Whatever happens, the PostgreSQL it started is
 * stopped and the data stays the project's.
 */
let dataDir: string;
let otherDir: string;
let env: Record<string, string>;
const BIN = path.join(ROOT, 'bin/harvest-keys.js');
const port = () => unusedLocalPort();

/** PostgreSQL processes serving this data folder (the postmaster is started with `-D <DATA_DIR>/pg`). */
async function postgresFor(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(path.join(dir, 'pg')) && cmdline.split('\0')[0]?.endsWith('postgres'))
      found.push(Number(entry));
  }
  return found;
}

async function expectNoPostgres(): Promise<void> {
  expect(await postgresFor(dataDir)).toEqual([]);
  expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
}

/** `sh -c` so the pipe is a real one; the reader is gone before the CLI's first write (it needs seconds to start). */
function shell(
  script: string,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, ...extraEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'hk-cli-process-'));
  otherDir = await mkdtemp(path.join(tmpdir(), 'hk-elsewhere-'));
  // Relative to the project root: the CLI run from another folder must still find this data folder.
  env = { DATA_DIR: path.relative(ROOT, dataDir), EMBEDDED_PG_PORT: String(port()), LOG_LEVEL: 'warn' };
});
afterAll(async () => {
  // Only what this file started: a postmaster left behind by a failing run of these tests.
  for (const pid of await postgresFor(dataDir)) {
    try {
      process.kill(pid, 'SIGINT');
    } catch {}
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await rm(dataDir, { recursive: true, force: true });
  await rm(otherDir, { recursive: true, force: true });
});

describe('the CLI with the embedded PostgreSQL', () => {
  let key: string;

  it("uses the project's data folder and .env from any folder: no second database, no new pepper", async () => {
    const created = await runCli(
      ['create', '--description', 'From the checkout', '--grant', 'GET /v1/users', '--json'],
      env,
    );
    expect(created.code).toBe(0);
    key = (JSON.parse(created.stdout) as { key: string }).key;
    await expectNoPostgres();
    // A .env in the folder the operator stands in belongs to something else and must not be read.
    await writeFile(path.join(otherDir, '.env'), 'KEY_PREFIX=zz\nDATA_DIR=./other-data\n');
    const checked = await runCli(['check', '-', 'GET', '/v1/users'], env, { cwd: otherDir, input: key });
    expect(checked).toMatchObject({ code: 0, stdout: expect.stringMatching(/^allowed: /) });
    expect((await readdir(otherDir)).sort()).toEqual(['.env']);
    await expectNoPostgres();
  }, 240_000);

  it('stops the PostgreSQL it started when stdout or stderr is closed early (| head -1)', async () => {
    for (let i = 0; i < 3; i++)
      expect((await runCli(['create', '--description', `Listed ${i}`, '--json'], env)).code).toBe(0);
    const codeFile = path.join(otherDir, 'code');
    // `| true` is gone before the first write, so the write always fails with EPIPE; `| head -1` is the everyday case.
    const listed = await shell(
      `{ node ${BIN} list; echo $? > ${codeFile}; } | true; { node ${BIN} list; echo $? >> ${codeFile}; } | head -1 >/dev/null; { node ${BIN} show key_missing; echo $? >> ${codeFile}; } 2>&1 | true`,
    );
    expect(listed.stderr).toBe('');
    expect((await readFile(codeFile, 'utf8')).split('\n')).toEqual(['0', '0', '1', '']);
    await expectNoPostgres();
  }, 240_000);

  it('connects to a server already running on the folder, whatever its port, and SIGTERM still stops the one it started', async () => {
    // `partner key <p> -` waits on standard input with the database open: a command caught mid-run.
    expect((await runCli(['partner', 'add', 'Waiting Partner'], env)).code).toBe(0);
    const holder = spawn(process.execPath, [BIN, 'partner', 'key', 'Waiting Partner', '-'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, LOG_LEVEL: 'debug' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    holder.stderr.on('data', (chunk) => {
      output += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) =>
      holder.on('exit', (code, signal) => resolve(code ?? (signal === null ? null : -1))),
    );
    await expect.poll(() => output, { timeout: 180_000, interval: 200 }).toMatch(/migrations (applied|up to date)/);
    expect(await postgresFor(dataDir)).not.toEqual([]);

    const elsewhere = await runCli(
      ['check', '-', 'GET', '/v1/users'],
      { ...env, EMBEDDED_PG_PORT: String(port()) },
      { input: key },
    );
    expect(elsewhere).toMatchObject({ code: 0, stdout: expect.stringMatching(/^allowed: /) });
    expect(await postgresFor(dataDir)).not.toEqual([]);

    holder.kill('SIGTERM');
    expect(await exited).toBe(143);
    await expectNoPostgres();
  }, 300_000);

  it('refuses to make a new pepper while the database holds keys made with the lost one', async () => {
    const pepper = path.join(dataDir, 'key-pepper');
    await rename(pepper, `${pepper}.bak`);
    try {
      const refused = await runCli(['list'], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /key pepper .*key-pepper is missing, but the database in .* already holds \d+ key\(s\)/,
      );
      expect(existsSync(pepper)).toBe(false);
      await expectNoPostgres();
    } finally {
      await rename(`${pepper}.bak`, pepper);
    }
    expect((await runCli(['check', '-', 'GET', '/v1/users'], env, { input: key })).code).toBe(0);

    // A fresh folder still gets its pepper made on first use: the refusal is only for a database holding keys.
    // Beside the other scratch folders: PostgreSQL (run as its own user under root) must be able to reach it.
    const fresh = await mkdtemp(path.join(tmpdir(), 'hk-fresh-'));
    const result = await runCli(['list'], { ...env, DATA_DIR: fresh, EMBEDDED_PG_PORT: String(port()) });
    expect(result).toMatchObject({ code: 0, stdout: 'No keys.\n' });
    expect(existsSync(path.join(fresh, 'key-pepper'))).toBe(true);
    expect(await postgresFor(fresh)).toEqual([]);
    await rm(fresh, { recursive: true, force: true });
  }, 300_000);
});
