import type { SlackDeps } from './deps.ts';

/** `admin`: changes keys, partners and roles. `viewer`: sees keys (admins and approvers). */
export type Need = 'admin' | 'viewer';

export async function hasRole(deps: SlackDeps, userId: string, need: Need): Promise<boolean> {
  const roles = await deps.services.roles.rolesOf(userId);
  return need === 'admin' ? roles.includes('admin') : roles.length > 0;
}

export function refusal(deps: SlackDeps, need: Need): string {
  return need === 'admin'
    ? `Sorry, only admins can do that, so nothing was changed. An admin can grant you the role with \`${deps.command} roles\`.`
    : `Sorry, you need the admin or approver role to see API keys. An admin can grant it with \`${deps.command} roles\`.`;
}
