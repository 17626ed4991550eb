import { sql } from 'drizzle-orm';
import { integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const partners = pgTable(
  'partners',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    contactSlackUserIds: text('contact_slack_user_ids').array().notNull().default(sql`'{}'::text[]`),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    version: integer('version').notNull().default(1),
    /** Set while the partner is archived: gone from pickers and lists, its keys and their history kept. */
    archivedAt: timestamp('archived_at', { withTimezone: true }),
    archivedBy: text('archived_by'),
    /** Networks new keys for this partner start with (the preset's allow-list), canonical CIDRs. */
    defaultNetworks: text('default_networks').array().notNull().default(sql`'{}'::text[]`),
  },
  (table) => [uniqueIndex('partners_name_lower_key').on(sql`lower(${table.name})`)],
);
