import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.ts';
import { partners } from './partners.ts';

/** Where each PGP-encrypted key went. Holds neither the secret nor the ciphertext. */
export const deliveries = pgTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    keyId: text('key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'restrict' }),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id, { onDelete: 'restrict' }),
    contactSlackUserId: text('contact_slack_user_id'),
    recipientFingerprint: text('recipient_fingerprint'),
    status: text('status', { enum: ['pending', 'sent', 'failed', 'confirmed'] })
      .notNull()
      .default('pending'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    channelId: text('channel_id'),
    messageTs: text('message_ts'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    failedAt: timestamp('failed_at', { withTimezone: true }),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    confirmedBy: text('confirmed_by'),
  },
  (table) => [
    index('deliveries_key_id_idx').on(table.keyId),
    index('deliveries_status_sent_at_idx').on(table.status, table.sentAt),
    check('deliveries_status_check', sql`${table.status} in ('pending', 'sent', 'failed', 'confirmed')`),
  ],
);
