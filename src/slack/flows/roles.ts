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

/** Admins named in a refusal, at most: enough to find someone, short enough to read. */
export const ADMINS_NAMED = 5;

/** Who to ask for a role: up to `ADMINS_NAMED` admins as mentions, and how many more there are. */
export async function adminsToAsk(deps: SlackDeps, role: string): Promise<string> {
  const admins = [
    ...new Set((await deps.services.roles.list()).filter((g) => g.role === 'admin').map((g) => g.slackUserId)),
  ];
  if (admins.length === 0) return `No admin is set yet to grant ${role}: ADMIN_SLACK_USER_IDS names the first ones.`;
  const named = admins.slice(0, ADMINS_NAMED).map((id) => `<@${id}>`);
  const more = admins.length - named.length;
  const who =
    more > 0
      ? `${named.join(', ')} or ${more} more`
      : named.length === 1
        ? named[0]
        : `${named.slice(0, -1).join(', ')} or ${named.at(-1)}`;
  return `${admins.length === 1 ? 'The admin who can' : 'Admins who can'} grant ${role}: ${who}.`;
}

/** The one wording of a role refusal: what is missing, and the admins who can grant it. */
export async function refusal(deps: SlackDeps, need: Need): Promise<string> {
  switch (need) {
    case 'admin':
      return `Sorry, only admins can do that, so nothing was changed. ${await adminsToAsk(deps, 'the admin role')}`;
    case 'approver':
      return `Only approvers can decide on requests; nothing was changed. ${await adminsToAsk(deps, 'the approver role')}`;
    case 'viewer':
      return `Sorry, you need the admin or approver role to see API keys. ${await adminsToAsk(deps, 'one')}`;
  }
}
