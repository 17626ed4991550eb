import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** A held action and its exact payload; it runs at most once (the state moves out of pending atomically). */
export const approvalRequests = pgTable(
  'approval_requests',
  {
    id: text('id').primaryKey(),
    action: text('action', { enum: ['create', 'permissions', 'reenable', 'replace'] }).notNull(),
    keyId: text('key_id'),
    /** The key version the requester saw; a request whose key moved on is superseded, not executed. */
    keyVersion: integer('key_version'),
    payload: jsonb('payload').notNull(),
    requestedBy: text('requested_by').notNull(),
    requiredApprovals: integer('required_approvals').notNull(),
    state: text('state', { enum: ['pending', 'executing', 'approved', 'denied', 'expired', 'superseded', 'failed'] })
      .notNull()
      .default('pending'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    outcome: jsonb('outcome'),
    cardChannel: text('card_channel'),
    cardTs: text('card_ts'),
  },
  (table) => [
    index('approval_requests_state_idx').on(table.state),
    check(
      'approval_requests_state_check',
      sql`${table.state} in ('pending', 'executing', 'approved', 'denied', 'expired', 'superseded', 'failed')`,
    ),
  ],
);
