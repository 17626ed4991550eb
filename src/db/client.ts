import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { AppError } from '../shared/errors.ts';
import { describeDatabaseError } from '../shared/fatal.ts';
import * as schema from './schema/index.ts';

export type Database = PostgresJsDatabase<typeof schema>;
export type Sql = postgres.Sql;

export interface DbClient {
  db: Database;
  sql: Sql;
  url: string;
  close(): Promise<void>;
}

/** `user@host:port/db` for messages: never the password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

export function createDbClient(url: string, options: { max?: number } = {}): DbClient {
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: 10,
    onnotice: () => {},
    // Keys' digests are bytea; everything else uses the driver's defaults.
  });
  return {
    db: drizzle(sql, { schema }),
    sql,
    url,
    close: () => sql.end({ timeout: 5 }),
  };
}

/** Turns a connection failure into one clear line naming the server, instead of a driver stack trace. */
export async function assertReachable(client: DbClient): Promise<void> {
  try {
    await client.sql`select 1`;
  } catch (error) {
    const reason = describeDatabaseError(error) ?? (error as Error).message;
    throw new AppError('DATABASE_UNREACHABLE', `Cannot reach PostgreSQL at ${describeUrl(client.url)}: ${reason}`, {
      cause: error,
    });
  }
}
