import type { AuditRepository } from '../audit/types.ts';
import { AppError } from '../shared/errors.ts';
import type { Transactional } from '../shared/transaction.ts';
import { ROLES, type Role, type RoleGrant, type RoleRepository } from './types.ts';

/** What a grant or a removal writes inside one transaction. */
export interface RoleTransaction {
  roles: Pick<RoleRepository, 'add' | 'remove'>;
  audit: Pick<AuditRepository, 'append'>;
}

/** Roles' storage: the lookups, and the transaction. */
export interface RoleStore extends Transactional<RoleTransaction> {
  roles: Pick<RoleRepository, 'list' | 'rolesOf'>;
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

export function parseRole(value: string): Role {
  const role = value.trim().toLowerCase();
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new AppError('ROLE_INVALID', `Unknown role "${value}": expected ${ROLES.join(' or ')}`, {
      field: 'role',
      facts: { role: value, roles: ROLES },
    });
  }
  return role as Role;
}

function validateUser(id: string): string {
  if (!SLACK_USER_ID.test(id))
    throw new AppError('SLACK_USER_INVALID', `Not a Slack user id: "${id}" (expected e.g. U012ABCDEF)`, {
      field: 'users',
      facts: { users: [id] },
    });
  return id;
}

export type RoleService = ReturnType<typeof createRoleService>;

export function createRoleService(deps: { store: RoleStore }) {
  const { store } = deps;
  return {
    async grant(slackUserId: string, role: Role, actor: string): Promise<boolean> {
      validateUser(slackUserId);
      return store.transaction(async (repos) => {
        const added = await repos.roles.add(slackUserId, role, actor);
        if (added) await repos.audit.append({ actor, action: 'role.granted', details: { slackUserId, role } });
        return added;
      });
    },

    async remove(slackUserId: string, role: Role, actor: string): Promise<boolean> {
      validateUser(slackUserId);
      return store.transaction(async (repos) => {
        const removed = await repos.roles.remove(slackUserId, role);
        if (removed) await repos.audit.append({ actor, action: 'role.removed', details: { slackUserId, role } });
        return removed;
      });
    },

    /** ADMIN_SLACK_USER_IDS: the people who can hand out every other role. Granting is idempotent. */
    async bootstrapAdmins(ids: readonly string[]): Promise<void> {
      for (const id of ids) await this.grant(id, 'admin', 'bootstrap');
    },

    list: (): Promise<RoleGrant[]> => store.roles.list(),
    rolesOf: (slackUserId: string): Promise<Role[]> => store.roles.rolesOf(slackUserId),
    async has(slackUserId: string, role: Role): Promise<boolean> {
      return (await store.roles.rolesOf(slackUserId)).includes(role);
    },
  };
}
