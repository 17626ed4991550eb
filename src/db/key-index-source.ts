import type { IndexedKeyRecord, KeyIndexSource } from '../authz/ports.ts';
import type { Sql } from './client.ts';

interface Row {
  id: string;
  secret_digest: Buffer;
  partner_name: string | null;
  status: 'active' | 'revoked';
  legacy: boolean;
  /** A string: drizzle switches postgres.js' date parsing off on the shared client. */
  revoke_at: Date | string | null;
}

const PAGE = 10_000;
/**
 * Every statement that feeds the index is bounded: a query stuck behind a lock or on a slow server fails and is
 * retried instead of holding the index back silently (staleness still fails /authz closed meanwhile).
 */
const STATEMENT_TIMEOUT_MS = 10_000;

/** Grants per key, aggregated in the database: one row per key instead of one per grant. */
interface GrantRow {
  key_id: string;
  /** Endpoint ids joined with newlines (an id is `METHOD /path`, never a newline). */
  grants: string;
}

function toRecords(rows: readonly Row[], grantRows: readonly GrantRow[]): IndexedKeyRecord[] {
  const byKey = new Map<string, string[]>();
  for (const row of grantRows) byKey.set(row.key_id, row.grants.split('\n'));
  return rows.map((row) => ({
    id: row.id,
    digest: row.secret_digest,
    partnerName: row.partner_name,
    status: row.status,
    legacy: row.legacy,
    revokeAt: row.revoke_at === null ? null : new Date(row.revoke_at),
    // A revoked key is refused whatever it holds: its grants would only take memory.
    permissions: row.status === 'active' ? (byKey.get(row.id) ?? []) : [],
  }));
}

/**
 * Keys in pages by id inside one repeatable-read transaction: a consistent snapshot without holding 100k rows at
 * once. Each page's grants come from one range scan of key_permissions' primary key, aggregated per key (a subquery
 * per key, or one row per grant, is several times slower at this size). Revoked keys are kept, without their grants, so a revoked key
 * is told apart from an unknown one and its use is still counted.
 */
export function createKeyIndexSource(sql: Sql, options: { statementTimeoutMs?: number } = {}): KeyIndexSource {
  const timeout = `set local statement_timeout = ${Math.trunc(options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS)}`;
  return {
    async loadAll(onPage) {
      await sql.begin('isolation level repeatable read read only', async (tx) => {
        await tx.unsafe(timeout);
        // Planner estimates on a freshly filled table can make JIT compile for longer than the query runs.
        await tx`set local jit = off`;
        let after = '';
        for (;;) {
          const rows = await tx<Row[]>`
            select k.id, k.secret_digest, p.name as partner_name, k.status, k.legacy, k.revoke_at
              from api_keys k
              left join partners p on p.id = k.partner_id
             where k.id > ${after}
             order by k.id
             limit ${PAGE}`;
          if (rows.length === 0) return;
          const last = (rows[rows.length - 1] as Row).id;
          const grants = await tx<GrantRow[]>`
            select key_id, string_agg(endpoint_id, E'\n') as grants
              from key_permissions
             where key_id > ${after} and key_id <= ${last}
             group by key_id`;
          onPage(toRecords(rows, grants));
          if (rows.length < PAGE) return;
          after = last;
        }
      });
    },
    async loadSome(ids) {
      if (ids.length === 0) return [];
      const list = ids as string[];
      return sql.begin('read only', async (tx) => {
        await tx.unsafe(timeout);
        const rows = await tx<Row[]>`
          select k.id, k.secret_digest, p.name as partner_name, k.status, k.legacy, k.revoke_at
            from api_keys k
            left join partners p on p.id = k.partner_id
           where k.id = any(${list})`;
        const grants = await tx<GrantRow[]>`
          select key_id, string_agg(endpoint_id, E'\n') as grants from key_permissions where key_id = any(${list}) group by key_id`;
        return toRecords(rows, grants);
      });
    },
  };
}
