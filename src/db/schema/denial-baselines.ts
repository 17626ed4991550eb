import { bigint, date, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.ts';

/**
 * Denied requests already counted for an endpoint when an edit took it away from a key. Usage is kept per UTC day,
 * so the denial-burst alert needs this to tell denials after the edit from the day's earlier ones.
 */
export const denialBaselines = pgTable(
  'denial_baselines',
  {
    keyId: text('key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    /** The key's version after the edit: with the key id it names the edit (its audit row's `after.version`). */
    keyVersion: integer('key_version').notNull(),
    endpointId: text('endpoint_id').notNull(),
    /** The UTC day `denied` was read from. */
    day: date('day', { mode: 'string' }).notNull(),
    denied: bigint('denied', { mode: 'number' }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.keyId, table.keyVersion, table.endpointId] })],
);
