import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Alerts already sent (an expiry reminder per key and threshold, a leak, a weekly digest…), one row each, shared by
 * every instance: whichever instance inserts the row first sends the alert; the others, and any later restart, do not.
 */
export const alertClaims = pgTable('alert_claims', {
  /** What was announced, e.g. `expiry:<keyId>:<expiresAt>:7d`: the claim is the unit of "sent once". */
  alertKey: text('alert_key').primaryKey(),
  claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull().defaultNow(),
});
