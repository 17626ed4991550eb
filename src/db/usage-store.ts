import type { UsageSink } from '../authz/ports.ts';
import type { UsageReader } from '../authz/usage-summary.ts';
import type { EndpointUsageReader } from '../keys/usage-report.ts';
import type { Sql } from './client.ts';

/**
 * One upsert for the counts and one update for last-used times per flush, whatever the batch size. Counts of a
 * key deleted meanwhile are dropped by the join instead of failing the whole batch.
 */
export function createUsageSink(sql: Sql): UsageSink {
  return {
    async write({ counts, lastUsed }) {
      await sql.begin(async (tx) => {
        if (counts.length > 0) {
          await tx`
            insert into key_usage (key_id, endpoint_id, day, allowed, denied)
            select u.key_id, u.endpoint_id, u.day, u.allowed, u.denied
              from unnest(${tx.array(counts.map((c) => c.keyId))}::text[],
                          ${tx.array(counts.map((c) => c.endpointId))}::text[],
                          ${tx.array(counts.map((c) => c.day))}::date[],
                          ${tx.array(counts.map((c) => c.allowed))}::bigint[],
                          ${tx.array(counts.map((c) => c.denied))}::bigint[])
                   as u(key_id, endpoint_id, day, allowed, denied)
              join api_keys k on k.id = u.key_id
            on conflict (key_id, day, endpoint_id) do update
               set allowed = key_usage.allowed + excluded.allowed,
                   denied = key_usage.denied + excluded.denied`;
        }
        if (lastUsed.length > 0) {
          await tx`
            update api_keys k
               set last_used_at = greatest(k.last_used_at, u.at)
              from unnest(${tx.array(lastUsed.map((u) => u.keyId))}::text[],
                          ${tx.array(lastUsed.map((u) => u.at.toISOString()))}::timestamptz[]) as u(key_id, at)
             where k.id = u.key_id`;
        }
      });
    },
  };
}

export function createUsageReader(sql: Sql): UsageReader & EndpointUsageReader {
  return {
    async byEndpoint(keyId, since) {
      // One row per endpoint: the primary key (key_id, day, endpoint_id) serves the range on day.
      const rows = await sql<
        { endpoint_id: string; allowed: string; denied: string; last_day: string; last_allowed_day: string | null }[]
      >`
        select endpoint_id,
               sum(allowed) as allowed,
               sum(denied) as denied,
               max(day)::text as last_day,
               (max(day) filter (where allowed > 0))::text as last_allowed_day
          from key_usage
         where key_id = ${keyId} and day >= ${since}::date
         group by endpoint_id`;
      return rows.map((r) => ({
        endpointId: r.endpoint_id,
        allowed: Number(r.allowed),
        denied: Number(r.denied),
        lastDay: r.last_day,
        lastAllowedDay: r.last_allowed_day,
      }));
    },

    async summary(keyId) {
      const [row] = await sql<{ last_used_at: Date | string | null; allowed: string | null; denied: string | null }[]>`
        select k.last_used_at,
               (select sum(allowed) from key_usage u where u.key_id = k.id and u.day > (now() at time zone 'utc')::date - 7) as allowed,
               (select sum(denied) from key_usage u where u.key_id = k.id and u.day > (now() at time zone 'utc')::date - 7) as denied
          from api_keys k
         where k.id = ${keyId}`;
      return {
        // A string: drizzle switches postgres.js' date parsing off on the shared client.
        lastUsedAt: row?.last_used_at == null ? null : new Date(row.last_used_at),
        allowedLast7Days: Number(row?.allowed ?? 0),
        deniedLast7Days: Number(row?.denied ?? 0),
      };
    },
  };
}
