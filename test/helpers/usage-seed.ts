import type postgres from 'postgres';

/** One key_usage row as /authz's flush writes it: counts for one key, endpoint and UTC day (`daysAgo` before today). */
export interface SeededUsage {
  keyId: string;
  endpointId: string;
  daysAgo: number;
  allowed?: number;
  denied?: number;
}

/** Writes usage rows straight into key_usage, as if /authz had recorded and flushed them. */
export async function seedUsage(sql: postgres.Sql, rows: readonly SeededUsage[]): Promise<void> {
  for (const row of rows) {
    await sql`
      insert into key_usage (key_id, endpoint_id, day, allowed, denied)
      values (${row.keyId}, ${row.endpointId}, (now() at time zone 'utc')::date - ${row.daysAgo}::int,
              ${row.allowed ?? 0}, ${row.denied ?? 0})
      on conflict (key_id, day, endpoint_id) do update
         set allowed = key_usage.allowed + excluded.allowed, denied = key_usage.denied + excluded.denied`;
  }
}
