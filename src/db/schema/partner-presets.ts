import { pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { partners } from './partners.ts';

export const partnerPresets = pgTable(
  'partner_presets',
  {
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id, { onDelete: 'cascade' }),
    endpointId: text('endpoint_id').notNull(),
  },
  (table) => [primaryKey({ columns: [table.partnerId, table.endpointId] })],
);
