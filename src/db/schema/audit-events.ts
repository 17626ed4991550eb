import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Append-only: a trigger (migration `audit_events_append_only`) refuses UPDATE, DELETE and TRUNCATE. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    keyId: text('key_id'),
    partnerId: text('partner_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    details: jsonb('details'),
    /**
     * The surface the change came through (src/audit/source.ts). Rows written before it was recorded hold null, and
     * their source is derived from the actor when read: the append-only trigger forbids filling them in.
     */
    source: text('source'),
  },
  (table) => [index('audit_events_key_id_idx').on(table.keyId), index('audit_events_at_idx').on(table.at)],
);
