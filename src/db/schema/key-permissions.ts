import { pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.ts';

export const keyPermissions = pgTable(
  'key_permissions',
  {
    keyId: text('key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    /** `METHOD /path/:template`; kept even if a later catalog drops the endpoint (it then matches nothing). */
    endpointId: text('endpoint_id').notNull(),
  },
  (table) => [primaryKey({ columns: [table.keyId, table.endpointId] })],
);
