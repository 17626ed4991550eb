import { bigint, date, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.ts';

/**
 * Requests `/authz` judged per key, endpoint and UTC day. Rows are upserted in batches from memory, never per
 * request. `endpoint_id` is `-` for a target outside the catalog.
 */
export const keyUsage = pgTable(
  'key_usage',
  {
    keyId: text('key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    endpointId: text('endpoint_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    allowed: bigint('allowed', { mode: 'number' }).notNull().default(0),
    denied: bigint('denied', { mode: 'number' }).notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.keyId, table.day, table.endpointId] })],
);
