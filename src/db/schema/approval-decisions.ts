import { pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { approvalRequests } from './approval-requests.ts';

/** One row per approver and request: the primary key is what makes each approver count once. */
export const approvalDecisions = pgTable(
  'approval_decisions',
  {
    requestId: text('request_id')
      .notNull()
      .references(() => approvalRequests.id),
    approver: text('approver').notNull(),
    decision: text('decision', { enum: ['approve', 'deny'] }).notNull(),
    reason: text('reason'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.requestId, table.approver] })],
);
