import type { Role } from '../../roles/types.ts';
import type { SlackDeps } from '../deps.ts';

/** `admin`: changes keys, partners and roles. `viewer`: sees keys (admins and approvers). `approver`: decides. */
export type Need = 'admin' | 'viewer' | 'approver';

/** The rule itself, for callers that already hold the person's roles. */
export function rolesAllow(roles: readonly Role[], need: Need): boolean {
  switch (need) {
    case 'admin':
      return roles.includes('admin');
    case 'approver':
      return roles.includes('approver');
    case 'viewer':
      return roles.length > 0;
  }
}

export async function hasRole(deps: SlackDeps, userId: string, need: Need): Promise<boolean> {
  return rolesAllow(await deps.services.roles.rolesOf(userId), need);
}

export function refusal(deps: SlackDeps, need: Need): string {
  switch (need) {
    case 'admin':
      return `Sorry, only admins can do that, so nothing was changed. An admin can grant you the role with \`${deps.command} roles\`.`;
    case 'approver':
      return 'Only approvers can decide on requests; nothing was changed.';
    case 'viewer':
      return `Sorry, you need the admin or approver role to see API keys. An admin can grant it with \`${deps.command} roles\`.`;
  }
}
