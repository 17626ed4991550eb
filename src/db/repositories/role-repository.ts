import { and, asc, eq } from 'drizzle-orm';
import type { Role, RoleRepository } from '../../roles/types.ts';
import type { Database } from '../client.ts';
import { roles } from '../schema/index.ts';

export function createRoleRepository(db: Database): RoleRepository {
  return {
    async add(slackUserId, role, grantedBy) {
      const inserted = await db
        .insert(roles)
        .values({ slackUserId, role, grantedBy })
        .onConflictDoNothing()
        .returning({ id: roles.slackUserId });
      return inserted.length > 0;
    },
    async remove(slackUserId, role) {
      const deleted = await db
        .delete(roles)
        .where(and(eq(roles.slackUserId, slackUserId), eq(roles.role, role)))
        .returning({ id: roles.slackUserId });
      return deleted.length > 0;
    },
    list: () => db.select().from(roles).orderBy(asc(roles.slackUserId), asc(roles.role)),
    async rolesOf(slackUserId) {
      const rows = await db.select({ role: roles.role }).from(roles).where(eq(roles.slackUserId, slackUserId));
      return rows.map((r) => r.role as Role);
    },
  };
}
