import { readFileSync } from 'node:fs';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { PROJECT_ROOT } from '../project-root.ts';

export const MIGRATIONS_FOLDER = path.join(PROJECT_ROOT, 'db/migrations');

// Any constant works; it only has to be the same for every instance of this service.
const MIGRATION_LOCK = 7_342_001;

/**
 * Applies the committed migrations. Several instances may start at once: a session-level advisory lock on a
 * dedicated connection makes them take turns, and the ones that follow find nothing left to do.
 */
export async function applyMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      const { migrate } = await import('drizzle-orm/postgres-js/migrator');
      await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Whether applyMigrations would apply anything, by drizzle's own rule (every shipped migration newer than the last one
 * applied): one query on a connection already open, where applying takes its own connection, the lock and a read and
 * hash of every migration file. Every start of the server and every CLI command asks this first.
 */
export async function migrationsPending(sql: postgres.Sql): Promise<boolean> {
  const newest = Math.max(...shippedMigrations().map((entry) => entry.when));
  try {
    const [row] = await sql<
      { createdAt: string | null }[]
    >`select max(created_at)::text as "createdAt" from drizzle.__drizzle_migrations`;
    return row?.createdAt == null || Number(row.createdAt) < newest;
  } catch {
    // No migrations table yet: a new database.
    return true;
  }
}

/** Applied migration count against the count on disk; `/readyz` wants them equal. */
export async function pendingMigrations(sql: postgres.Sql, expected: number): Promise<number> {
  try {
    const [row] = await sql<{ count: number }[]>`select count(*)::int as count from drizzle.__drizzle_migrations`;
    return expected - (row?.count ?? 0);
  } catch {
    return expected;
  }
}

/** How many migrations this build ships, from drizzle-kit's journal. */
export function shippedMigrationCount(): number {
  return shippedMigrations().length;
}

function shippedMigrations(): { when: number }[] {
  return (
    JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as { entries: { when: number }[] }
  ).entries;
}
