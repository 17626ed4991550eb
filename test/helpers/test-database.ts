import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { everyStoredText } from './db-snapshot.ts';
import { recordEvidence } from './secret-canary.ts';

/** Every row of every table, for the suite-wide secret check (secret-canary-setup.ts). */
async function dumpForSecretCheck(url: string, name: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    recordEvidence(`database ${name}`, await everyStoredText(sql));
  } catch {
    // A database a test broke on purpose (or never migrated) has nothing to search.
  } finally {
    await sql.end();
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * A fresh database of its own for one test file, dropped afterwards (the audit trigger forbids cleanup): a copy of
 * the run's migrated template, or an empty one with `migrate: false` (for tests of what migrating does).
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const base = inject('databaseUrl');
  if (base === undefined) {
    throw new Error('This test needs PostgreSQL, and its tier runs without one: it belongs in the integration tier.');
  }
  const name = `hk_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(
      options.migrate === false
        ? `create database ${name}`
        : `create database ${name} template ${inject('templateDatabase')}`,
    );
  } finally {
    await admin.end();
  }
  const url = withDatabase(base, name);
  return {
    url,
    async drop() {
      await dumpForSecretCheck(url, name);
      const cleanup = postgres(base, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
