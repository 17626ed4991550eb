import { boolean, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/** A copy of the loaded catalog, refreshed at start-up, so SQL reports can join grants to labels. */
export const catalogEndpoints = pgTable(
  'catalog_endpoints',
  {
    apiType: text('api_type').notNull(),
    id: text('id').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    resource: text('resource').notNull(),
    label: text('label').notNull(),
    firstDocumented: text('first_documented'),
    existedAtLegacyCutoff: boolean('existed_at_legacy_cutoff').notNull(),
    deprecated: boolean('deprecated').notNull(),
  },
  (table) => [primaryKey({ columns: [table.apiType, table.id] })],
);
