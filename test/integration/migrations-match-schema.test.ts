import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/processes.ts';

const run = promisify(execFile);
const MIGRATIONS = path.join(ROOT, 'db/migrations');
const DRIZZLE_KIT = path.join(ROOT, 'node_modules/drizzle-kit/bin.cjs');
const scratch: string[] = [];

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the committed migrations, to let drizzle-kit generate into without touching the checkout. */
function copyOfMigrations(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hk-migrations-'));
  scratch.push(dir);
  cpSync(MIGRATIONS, dir, { recursive: true });
  return dir;
}

/**
 * The migrations drizzle-kit would write for the schema in src/db/schema on top of `dir`: none when every schema change
 * has its committed migration. Generation compares the schema with the snapshots only; it needs no database.
 */
async function pendingMigrations(dir: string): Promise<string[]> {
  const before = new Set(readdirSync(dir));
  // drizzle-kit prefixes `--out` with `./`, so the folder is given relative to the project root.
  await run(
    process.execPath,
    [
      DRIZZLE_KIT,
      'generate',
      '--dialect',
      'postgresql',
      '--schema',
      './src/db/schema/index.ts',
      '--out',
      path.relative(ROOT, dir),
      '--name',
      'drift',
    ],
    { cwd: ROOT },
  );
  return readdirSync(dir).filter((file) => file.endsWith('.sql') && !before.has(file));
}

describe('committed migrations', () => {
  it('match the drizzle schema: generating from src/db/schema writes nothing new', async () => {
    expect(
      await pendingMigrations(copyOfMigrations()),
      'the schema changed without a migration: run npm run db:generate -- --name <what_changed> and commit it',
    ).toEqual([]);
  });

  it('are checked for real: without the newest migration, generating writes one', async () => {
    const dir = copyOfMigrations();
    const journalFile = path.join(dir, 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number; tag: string }[] };
    const newest = journal.entries.pop();
    if (newest === undefined) throw new Error('no migrations in the journal');
    writeFileSync(journalFile, JSON.stringify(journal, null, 2));
    rmSync(path.join(dir, `${newest.tag}.sql`));
    rmSync(path.join(dir, `meta/${String(newest.idx).padStart(4, '0')}_snapshot.json`));
    expect(await pendingMigrations(dir)).toHaveLength(1);
  });
});
