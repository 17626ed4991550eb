import { auditReason } from '../../audit/audit-record.ts';
import type { AuditAction, AuditEvent } from '../../audit/types.ts';
import type { AuditSource } from '../../audit/source.ts';
import type { ApiKey } from '../../keys/types.ts';
import { code, escapeMrkdwn, truncate } from '../ui/escape.ts';
import { actorRef, keyName, plural, slackDate } from '../ui/format.ts';
import { CallbackId } from '../ui/ids.ts';
import { type Block, context, divider, LIMITS, type ModalView, modal, section } from './kit.ts';

const ACTION_WORDS: Record<AuditAction, string> = {
  'key.created': 'Created',
  'key.imported': 'Imported',
  'key.edited': 'Edited',
  'key.revoked': 'Revoked',
  'key.enabled': 'Re-enabled',
  'key.replaced': 'Replaced',
  'key.replacement_abandoned': 'Replacement abandoned',
  'key.delivered': 'Delivered to the partner',
  'key.delivery_failed': 'Delivery failed',
  'key.delivery_confirmed': 'Partner confirmed storing it',
  'partner.created': 'Partner created',
  'partner.edited': 'Partner edited',
  'partner.archived': 'Partner archived',
  'partner.unarchived': 'Partner unarchived',
  'partner.pgp_key_set': 'Partner PGP key set',
  'partner.pgp_key_confirmed': 'Partner PGP key confirmed',
  'oauth.client_auth_failed': 'Client authentication failed',
  'oauth.token_revoked': 'Access token revoked',
  'role.granted': 'Role granted',
  'role.removed': 'Role removed',
  'approval.requested': 'Approval requested',
  'approval.decided': 'Approval decision',
  'approval.executed': 'Approved change carried out',
  'approval.superseded': 'Approval request superseded',
  'approval.expired': 'Approval request expired',
  'approval.failed': 'Approved change failed',
  'approval.revealed': 'Approved key handed over',
  'approval.reveal_expired': 'Approved key expired unrevealed',
};

const SOURCE_WORDS: Record<AuditSource, string> = {
  slack: 'Slack',
  cli: 'CLI',
  authz: 'service',
  approvals: 'approvals',
  'secret-scanning': 'secret scanning',
};

/** A reason is typed by a person: shown escaped and cut so that 20 events stay far inside a section's 3000. */
const REASON_CHARS = 300;

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A recorded expiry as every surface dates it; a row that does not parse as a date is shown as written. */
function expiryDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? escapeMrkdwn(truncate(iso, 40)) : slackDate(date);
}

/** Keys an event names (a successor, an abandoned replacement), as they are now, to name them like any key. */
export type RelatedKeys = ReadonlyMap<string, Pick<ApiKey, 'id' | 'description' | 'hint' | 'clientId'>>;

/** The key ids an event's details name: looked up once for a whole History. */
export function relatedKeyIds(events: readonly Pick<AuditEvent, 'details'>[]): string[] {
  const ids = events.flatMap((event) =>
    [event.details?.replacedBy, event.details?.abandoned, event.details?.upgrades].filter(
      (id): id is string => typeof id === 'string',
    ),
  );
  return [...new Set(ids)];
}

/** What changed, in a few words: counts of permissions and networks, the description, the expiry, the successor. */
export function changeSummary(
  event: Pick<AuditEvent, 'details' | 'before' | 'after'>,
  related: RelatedKeys = new Map(),
): string[] {
  const details = event.details ?? {};
  // A key still on record is named by its description and last characters; one that is not, by its id.
  const keyRef = (id: string): string => {
    const found = related.get(id);
    return found === undefined ? code(id) : keyName(found);
  };
  const parts: string[] = [];
  const added = strings(details.added).length;
  const removed = strings(details.removed).length;
  if (added > 0) parts.push(`+${plural(added, 'permission')}`);
  if (removed > 0) parts.push(`−${plural(removed, 'permission')}`);
  const networksAdded = strings(details.networksAdded).length;
  const networksRemoved = strings(details.networksRemoved).length;
  if (networksAdded > 0) parts.push(`+${plural(networksAdded, 'network')}`);
  if (networksRemoved > 0) parts.push(`−${plural(networksRemoved, 'network')}`);
  const before = text(event.before?.description);
  const after = text(event.after?.description);
  if (before !== undefined && after !== undefined && before !== after)
    parts.push(`description “${escapeMrkdwn(truncate(before, 60))}” → “${escapeMrkdwn(truncate(after, 60))}”`);
  const expiry = details.expiry as { to?: unknown } | undefined;
  if (expiry !== undefined && typeof expiry === 'object' && expiry !== null && 'to' in expiry)
    parts.push(typeof expiry.to === 'string' ? `expires ${expiryDate(expiry.to)}` : 'no expiry');
  const replacedBy = text(details.replacedBy);
  const clientId = text(details.clientId);
  // Upgrade to v3: the key's successor is a client, named by its client id.
  if (replacedBy !== undefined && details.upgrade === 'oauth_client' && clientId !== undefined)
    parts.push(`upgraded to v3 client ${code(clientId)} (${code(replacedBy)})`);
  else if (replacedBy !== undefined) parts.push(`replaced by ${keyRef(replacedBy)}`);
  const abandoned = text(details.abandoned);
  if (abandoned !== undefined) parts.push(`${keyRef(abandoned)} never reached the partner; no longer its successor`);
  const upgrades = text(details.upgrades);
  if (upgrades !== undefined) parts.push(`upgrade of ${keyRef(upgrades)}`);
  const decision = text(details.decision);
  if (decision !== undefined) parts.push(decision === 'approve' ? 'approved' : 'denied');
  return parts;
}

function eventBlock(event: AuditEvent, related: RelatedKeys): Block {
  const head = `*${ACTION_WORDS[event.action] ?? escapeMrkdwn(event.action)}*   ${slackDate(event.at)}`;
  const who = `by ${actorRef(event.actor)} · ${SOURCE_WORDS[event.source] ?? escapeMrkdwn(event.source)}`;
  const summary = changeSummary(event, related);
  const reason = auditReason(event);
  const lines = [
    `${head}\n${who}`,
    ...(summary.length === 0 ? [] : [summary.join(' · ')]),
    ...(reason === null ? [] : [`_Reason:_ ${escapeMrkdwn(truncate(reason, REASON_CHARS))}`]),
  ];
  return section(lines.join('\n'));
}

/**
 * A key's History: its latest events, newest first, each with who, through which surface, when, why and what
 * changed. Every event is one section (text well under Slack's 3000), so even the full 20 stay far inside a view's
 * 100 blocks; the whole trail is `harvest-keys audit --key`.
 */
export function keyHistoryView(
  key: Pick<ApiKey, 'id' | 'description' | 'hint'>,
  events: readonly AuditEvent[],
  related: RelatedKeys = new Map(),
): ModalView {
  const shown = events.slice(0, LIMITS.viewBlocks - 4);
  const blocks: Block[] = [section(`${keyName(key)}\n${code(key.id)}`), divider()];
  if (shown.length === 0) blocks.push(section('Nothing has been recorded for this key yet.'));
  for (const event of shown) blocks.push(eventBlock(event, related));
  blocks.push(
    context(
      `The latest ${plural(shown.length, 'event')}, newest first. Every event: ${code(`harvest-keys audit --key ${key.id}`)}`,
    ),
  );
  return modal({ callbackId: CallbackId.keyHistory, title: 'Key History', blocks });
}
