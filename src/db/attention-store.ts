import { type AttentionReader, BURST_WINDOW_MS, type DenialBaselines, type IdPage } from '../keys/attention.ts';
import type { Sql } from './client.ts';

/** Keys that still work: not revoked, not stopping after a replacement, not expired. */
const WORKING = `status = 'active' and revoke_at is null and (expires_at is null or expires_at > now())`;

function page(rows: readonly { id: string; total: string | number }[]): IdPage {
  return { ids: rows.map((r) => r.id), total: Number(rows[0]?.total ?? 0) };
}

/**
 * The attention checks over PostgreSQL. Usage is counted per key × endpoint × UTC day, so "denials since an edit" is
 * the day's count (and the next day's, when the 10 minutes cross midnight) less what the edit's snapshot saw.
 */
export function createAttentionReader(sql: Sql): AttentionReader {
  return {
    async removalDenials(since) {
      const window = `${BURST_WINDOW_MS} milliseconds`;
      const rows = await sql<
        { id: string; key_id: string; actor: string; at: string | Date; endpoint_id: string; denied: string }[]
      >`
        select e.id, e.key_id, e.actor, e.at, r.endpoint_id,
               coalesce((select sum(u.denied) from key_usage u
                          where u.key_id = e.key_id and u.endpoint_id = r.endpoint_id
                            and u.day >= (e.at at time zone 'utc')::date
                            and u.day <= ((e.at + ${window}::interval) at time zone 'utc')::date), 0)
               - coalesce(b.denied, 0) as denied
          from audit_events e
          cross join lateral jsonb_array_elements_text(
                 case when jsonb_typeof(e.details -> 'removed') = 'array' then e.details -> 'removed' else '[]'::jsonb end
               ) as r(endpoint_id)
          left join denial_baselines b
                 on b.key_id = e.key_id and b.key_version = (e.after ->> 'version')::int and b.endpoint_id = r.endpoint_id
         where e.action = 'key.edited' and e.key_id is not null and e.at >= ${since.toISOString()}::timestamptz
         order by e.id, r.endpoint_id`;
      return rows.map((row) => ({
        editId: Number(row.id),
        keyId: row.key_id,
        endpointId: row.endpoint_id,
        actor: row.actor,
        at: new Date(row.at),
        denied: Number(row.denied),
      }));
    },
    async idleSince(before, limit) {
      return page(
        await sql<{ id: string; total: string }[]>`
          select id, count(*) over () as total from api_keys
           where ${sql.unsafe(WORKING)} and last_used_at < ${before.toISOString()}::timestamptz
           order by last_used_at, id
           limit ${limit}`,
      );
    },
    async neverUsed(createdBefore, limit) {
      return page(
        await sql<{ id: string; total: string }[]>`
          select id, count(*) over () as total from api_keys
           where ${sql.unsafe(WORKING)} and last_used_at is null and created_at < ${createdBefore.toISOString()}::timestamptz
           order by created_at, id
           limit ${limit}`,
      );
    },
  };
}

/** Snapshots at an edit: the key's denials so far today on each endpoint it lost. */
export function createDenialBaselineStore(sql: Sql): DenialBaselines {
  return {
    async record(keyId, keyVersion, endpointIds) {
      if (endpointIds.length === 0) return;
      await sql`
        insert into denial_baselines (key_id, key_version, endpoint_id, day, denied)
        select ${keyId}, ${keyVersion}, e.endpoint_id, (now() at time zone 'utc')::date,
               coalesce((select u.denied from key_usage u
                          where u.key_id = ${keyId} and u.endpoint_id = e.endpoint_id
                            and u.day = (now() at time zone 'utc')::date), 0)
          from unnest(${sql.array([...endpointIds])}::text[]) as e(endpoint_id)
        on conflict do nothing`;
    },
  };
}
