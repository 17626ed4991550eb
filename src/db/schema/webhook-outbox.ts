import { sql } from 'drizzle-orm';
import { bigserial, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * Standard Webhooks messages, written in the same transaction as the change they describe and sent afterwards by
 * one instance at a time (claimed with FOR UPDATE SKIP LOCKED). `body` is the exact JSON that is signed and sent on
 * every attempt; it holds audit summaries only, never a secret.
 */
export const webhookOutbox = pgTable(
  'webhook_outbox',
  {
    /** Sending order: within one `ordering_key`, a message waits until every lower id is delivered or dead. */
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** `webhook-id`: the receiver's idempotency key, the same on every retry. */
    messageId: text('message_id').notNull(),
    eventType: text('event_type').notNull(),
    /** The key (or partner, or approval request) the event is about: events of one subject go out in order. */
    orderingKey: text('ordering_key').notNull(),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** Due time of the next attempt; while an attempt is in flight, the end of its lease. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    /** Given up after the retry window (24 h); later messages of the same subject then go ahead. */
    deadAt: timestamp('dead_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('webhook_outbox_message_id_idx').on(table.messageId),
    index('webhook_outbox_pending_idx')
      .on(table.nextAttemptAt)
      .where(sql`${table.deliveredAt} is null and ${table.deadAt} is null`),
    index('webhook_outbox_pending_order_idx')
      .on(table.orderingKey, table.id)
      .where(sql`${table.deliveredAt} is null and ${table.deadAt} is null`),
  ],
);
