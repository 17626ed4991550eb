import { sql } from 'drizzle-orm';
import { check, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const roles = pgTable(
  'roles',
  {
    slackUserId: text('slack_user_id').notNull(),
    role: text('role', { enum: ['admin', 'approver'] }).notNull(),
    grantedBy: text('granted_by').notNull(),
    grantedAt: timestamp('granted_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.slackUserId, table.role] }),
    check('roles_role_check', sql`${table.role} in ('admin', 'approver')`),
  ],
);
