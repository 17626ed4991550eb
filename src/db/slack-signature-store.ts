import type { Sql } from './client.ts';

/** Slack signatures already acted on, in PostgreSQL so every instance sees the same memory. */
export function createSlackSignatureStore(sql: Sql) {
  return {
    /** True the first time a digest is offered (this call recorded it); false when any instance had it already. */
    async remember(digest: Buffer, expiresAt: Date): Promise<boolean> {
      const rows = await sql`
        insert into slack_seen_signatures (digest, expires_at) values (${digest}, ${expiresAt.toISOString()}::timestamptz)
        on conflict (digest) do nothing
        returning 1 as recorded`;
      return rows.length === 1;
    },
    async forgetExpired(): Promise<number> {
      const result = await sql`delete from slack_seen_signatures where expires_at < now()`;
      return result.count;
    },
  };
}
