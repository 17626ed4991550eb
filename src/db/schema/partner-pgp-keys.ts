import { sql } from 'drizzle-orm';
import { check, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { partners } from './partners.ts';

/** One current public key per partner. The database itself refuses a confirmation of a different fingerprint. */
export const partnerPgpKeys = pgTable(
  'partner_pgp_keys',
  {
    partnerId: text('partner_id')
      .primaryKey()
      .references(() => partners.id, { onDelete: 'cascade' }),
    armoredPublicKey: text('armored_public_key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    userIds: text('user_ids').array().notNull(),
    algorithm: text('algorithm').notNull(),
    keyCreatedAt: timestamp('key_created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    addedBy: text('added_by').notNull(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
    confirmedFingerprint: text('confirmed_fingerprint'),
    confirmedBy: text('confirmed_by'),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  },
  (table) => [
    check('partner_pgp_keys_fingerprint_check', sql`${table.fingerprint} ~ '^[0-9A-F]{40}$'`),
    check(
      'partner_pgp_keys_confirmation_check',
      sql`${table.confirmedFingerprint} is null or ${table.confirmedFingerprint} = ${table.fingerprint}`,
    ),
  ],
);
