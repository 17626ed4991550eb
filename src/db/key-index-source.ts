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

/**
 * One query for the whole index (100k keys load in well under a second). Revoked keys are kept, without their
 * grants, so a revoked key is told apart from an unknown one and its use is still counted.
 */
export function createKeyIndexSource(sql: Sql): KeyIndexSource {
  const select = (where: ReturnType<Sql['unsafe']> | ReturnType<typeof sql>) => sql<Row[]>`
    select k.id, k.secret_digest, p.name as partner_name, k.status, k.legacy, k.revoke_at,
           coalesce(array_agg(kp.endpoint_id) filter (where kp.endpoint_id is not null and k.status = 'active'), '{}') as permissions
      from api_keys k
      left join partners p on p.id = k.partner_id
      left join key_permissions kp on kp.key_id = k.id
     ${where}
     group by k.id, p.name`;
  return {
    async loadAll() {
      const rows = await select(sql``);
      return rows.map(toRecord);
    },
    async loadSome(ids) {
      if (ids.length === 0) return [];
      const rows = await select(sql`where k.id = any(${ids as string[]})`);
      return rows.map(toRecord);
    },
  };
}
