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
  permissions: string[];
}

function toRecord(row: Row): IndexedKeyRecord {
  return {
    id: row.id,
    digest: row.secret_digest,
    partnerName: row.partner_name,
    status: row.status,
    legacy: row.legacy,
    revokeAt: row.revoke_at === null ? null : new Date(row.revoke_at),
    permissions: row.permissions,
  };
}

const PAGE = 10_000;

/**
 * Keys in pages by id inside one repeatable-read transaction (a consistent snapshot without holding 100k rows at
 * once); each key's grants come from the primary-key index of key_permissions. Revoked keys are kept, without their
 * grants, so a revoked key is told apart from an unknown one and its use is still counted.
 */
export function createKeyIndexSource(sql: Sql): KeyIndexSource {
  const columns = `
    k.id, k.secret_digest, p.name as partner_name, k.status, k.legacy, k.revoke_at,
    case when k.status = 'active'
         then coalesce((select array_agg(kp.endpoint_id) from key_permissions kp where kp.key_id = k.id), '{}')
         else '{}' end as permissions`;
  return {
    async loadAll(onPage) {
      await sql.begin('isolation level repeatable read read only', async (tx) => {
        let after = '';
        for (;;) {
          const rows = await tx<Row[]>`
            select ${tx.unsafe(columns)}
              from api_keys k
              left join partners p on p.id = k.partner_id
             where k.id > ${after}
             order by k.id
             limit ${PAGE}`;
          if (rows.length === 0) return;
          onPage(rows.map(toRecord));
          after = (rows[rows.length - 1] as Row).id;
          if (rows.length < PAGE) return;
        }
      });
    },
    async loadSome(ids) {
      if (ids.length === 0) return [];
      const rows = await sql<Row[]>`
        select ${sql.unsafe(columns)}
          from api_keys k
          left join partners p on p.id = k.partner_id
         where k.id = any(${ids as string[]})`;
      return rows.map(toRecord);
    },
  };
}
