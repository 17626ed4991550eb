import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { approvalRequests } from './approval-requests.ts';

/**
 * A one-time permission for the requester to receive an approved key. The key (and its secret) is only created
 * when the reveal is used, so an approved but never revealed key never exists.
 */
export const keyReveals = pgTable('key_reveals', {
  id: text('id').primaryKey(),
  requestId: text('request_id')
    .notNull()
    .references(() => approvalRequests.id),
  requester: text('requester').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  expiredAt: timestamp('expired_at', { withTimezone: true }),
  keyId: text('key_id'),
});
