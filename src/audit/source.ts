/**
 * Where a change came from, recorded on every audit row: `slack` (a person in Slack), `cli` (an operator's command),
 * `authz` (the service's own scheduled work beside enforcement, e.g. a replacement's grace period ending),
 * `approvals` (the four-eyes rule: requests, decisions and the changes an approval carried out) and `secret-scanning`
 * (a leak report revoking a key).
 */
export const AUDIT_SOURCES = ['slack', 'cli', 'authz', 'approvals', 'secret-scanning'] as const;
export type AuditSource = (typeof AUDIT_SOURCES)[number];

/** The actor GitHub's secret scanning reports act as (issue 17). */
export const SECRET_SCANNING_ACTOR = 'github-secret-scanning';

/**
 * The source a row gets when its writer names none. The actor says it for most writers: the CLI acts as `cli:<user>`,
 * secret scanning as itself, and everyone else is a Slack user (the deliveries' `system` revocations happen inside
 * Slack's hand-over); the approval service's own rows are named by their action. Writers that act for someone
 * else (an approved change runs as its requester; the grace-period sweep runs as `system`) name their source.
 */
export function defaultSource(actor: string, action: string): AuditSource {
  if (action.startsWith('approval.')) return 'approvals';
  // Written by the OAuth endpoints, which run beside /authz on AUTHZ_PORT.
  if (action.startsWith('oauth.')) return 'authz';
  if (actor.startsWith('cli:')) return 'cli';
  if (actor === SECRET_SCANNING_ACTOR) return 'secret-scanning';
  return 'slack';
}

export function isAuditSource(value: unknown): value is AuditSource {
  return typeof value === 'string' && (AUDIT_SOURCES as readonly string[]).includes(value);
}
