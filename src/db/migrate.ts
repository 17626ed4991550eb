import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../db/migrations', import.meta.url));

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
      await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
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
  const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}
