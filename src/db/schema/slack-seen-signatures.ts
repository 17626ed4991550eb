import { customType, index, pgTable, timestamp } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * Slack request signatures already acted on (SHA-256 of `v0=<hex>`, never the value), shared by every instance so a
 * signed request sent again, to this instance or another, runs nothing. Kept past Slack's 5-minute window, then purged.
 */
export const slackSeenSignatures = pgTable(
  'slack_seen_signatures',
  {
    digest: bytea('digest').primaryKey(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (table) => [index('slack_seen_signatures_expires_at_idx').on(table.expiresAt)],
);
