import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedMigrationCount } from '../../src/db/migrate.ts';
import { ROOT } from '../helpers/processes.ts';
import { TEST_PEPPER } from '../helpers/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

/**
 * What `npm start`, the CLI bin and the Docker image run: src/ compiled by tsconfig.build.json. Built here into a
 * scratch folder directly under the project root, the depth of dist/, so every path the code finds relative to itself
 * (the migrations, the catalog data) resolves as it does from dist/; then run by plain node, no TypeScript loader.
 */
const out = path.join(ROOT, `.dist-test-${process.pid}`);
let database: TestDatabase;

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, timeout: 170_000 },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    );
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  const build = await run([
    tsc,
    '-p',
    'tsconfig.build.json',
    '--outDir',
    out,
    '--tsBuildInfoFile',
    path.join(out, '.tsbuildinfo'),
  ]);
  expect(build, 'tsc -p tsconfig.build.json').toMatchObject({ code: 0 });
}, 180_000);
afterAll(async () => {
  rmSync(out, { recursive: true, force: true });
  await database?.drop();
});

describe('the compiled build', () => {
  it('rewrites every relative import to .js, carries the catalog data, and compiles no tests', () => {
    const files = filesUnder(out).map((file) => path.relative(out, file));
    expect(files).toContain('main.js');
    expect(files).toContain('cli/main.js');
    expect(files).toContain('catalog/data/harvest.json');
    expect(files.filter((file) => file.endsWith('.ts'))).toEqual([]);
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(path.join(out, file), 'utf8');
      expect(text, file).not.toMatch(/(from\s*|import\s*\(\s*)['"]\.{1,2}\/[^'"]*\.ts['"]/);
    }
  });

  it('serves from the compiled files alone: migrations found and applied, /readyz 200, a clean stop', async () => {
    const child = spawn(process.execPath, [path.join(out, 'main.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATABASE_URL: database.url,
        KEY_PEPPER: TEST_PEPPER,
        AUTHZ_PORT: '0',
        AUTHZ_HOST: '127.0.0.1',
        DATA_DIR: mkdtempSync(path.join(tmpdir(), 'hk-data-')),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      output += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      const poll = setInterval(() => {
        const match = /"port":(\d+),[^\n]*"msg":"harvest-keys is ready"/.exec(output);
        if (match !== null) {
          clearInterval(poll);
          resolve(Number(match[1]));
        }
      }, 50);
      void exited.then((code) => {
        clearInterval(poll);
        reject(new Error(`exited with ${code} before it was ready:\n${output}`));
      });
    });
    try {
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"stopped"');
    const sql = postgres(database.url, { max: 1 });
    try {
      const [row] = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
      expect(row?.n).toBe(shippedMigrationCount());
    } finally {
      await sql.end();
    }
  }, 60_000);

  it('runs the CLI compiled, and the bin points at dist/ without a TypeScript loader', async () => {
    const result = await run([path.join(out, 'cli/main.js'), 'list', '--json'], {
      DATABASE_URL: database.url,
      KEY_PEPPER: TEST_PEPPER,
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'hk-data-')),
    });
    expect(result).toMatchObject({ code: 0 });
    expect(JSON.parse(result.stdout)).toEqual([]);
    const bin = readFileSync(path.join(ROOT, 'bin/harvest-keys.js'), 'utf8');
    expect(bin).toContain("'../dist/cli/main.js'");
    expect(bin).not.toMatch(/tsx|register\(/);
  });
});
