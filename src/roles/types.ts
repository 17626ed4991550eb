export const ROLES = ['admin', 'approver'] as const;
export type Role = (typeof ROLES)[number];

export interface RoleGrant {
  slackUserId: string;
  role: Role;
  grantedBy: string;
  grantedAt: Date;
}

export interface RoleRepository {
  /** Returns false when the user already had the role. */
  add(slackUserId: string, role: Role, grantedBy: string): Promise<boolean>;
  /** Returns false when the user did not have the role. */
  remove(slackUserId: string, role: Role): Promise<boolean>;
  list(): Promise<RoleGrant[]>;
  rolesOf(slackUserId: string): Promise<Role[]>;
}
