import type { AlertClaims } from '../shared/alert-claims.ts';
import type { Sql } from './client.ts';

/** Alert claims in PostgreSQL: the primary key makes "first insert wins" hold across every instance. */
export function createAlertClaimStore(sql: Sql): AlertClaims {
  return {
    async claim(alertKey) {
      const rows = await sql`
        insert into alert_claims (alert_key) values (${alertKey})
        on conflict (alert_key) do nothing
        returning 1 as claimed`;
      return rows.length === 1;
    },
    async release(alertKey) {
      await sql`delete from alert_claims where alert_key = ${alertKey}`;
    },
  };
}
