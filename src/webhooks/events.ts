import type { AuditAction, AuditEventInput } from '../audit/types.ts';
import { randomBase62 } from '../shared/base62.ts';

/**
 * The webhook `type` of each audit action; null: not sent (role changes are about people, not keys or partners).
 * A Record, so that a new audit action does not compile until someone decides whether it is an event.
 */
export const WEBHOOK_TYPES: Readonly<Record<AuditAction, string | null>> = {
  'key.created': 'key.created',
  'key.imported': 'key.imported',
  'key.edited': 'key.updated',
  'key.revoked': 'key.revoked',
  'key.enabled': 'key.enabled',
  'key.replaced': 'key.replaced',
  'key.replacement_abandoned': 'key.replacement_abandoned',
  'key.delivered': 'key.delivered',
  'key.delivery_failed': 'key.delivery_failed',
  'key.delivery_confirmed': 'key.delivery_confirmed',
  'partner.created': 'partner.created',
  'partner.edited': 'partner.updated',
  'partner.archived': 'partner.archived',
  'partner.unarchived': 'partner.unarchived',
  'partner.pgp_key_set': 'partner.pgp_key_set',
  'partner.pgp_key_confirmed': 'partner.pgp_key_confirmed',
  'approval.requested': 'approval.requested',
  'approval.decided': 'approval.decided',
  'approval.executed': 'approval.executed',
  'approval.superseded': 'approval.superseded',
  'approval.expired': 'approval.expired',
  'approval.failed': 'approval.failed',
  'approval.revealed': 'approval.revealed',
  'approval.reveal_expired': 'approval.reveal_expired',
  'oauth.client_auth_failed': 'oauth.client_auth_failed',
  'oauth.token_revoked': 'oauth.token_revoked',
  'role.granted': null,
  'role.removed': null,
};

/** One message as the outbox stores it: `body` is exactly what is signed and sent, on every attempt. */
export interface WebhookMessage {
  messageId: string;
  type: string;
  /** Messages with the same ordering key are delivered one after another, in the order they were written. */
  orderingKey: string;
  body: string;
  createdAt: Date;
}

export const newMessageId = (): string => `msg_${randomBase62(24)}`;

/** What an event is about, for ordering: its key, else its partner, else its approval request. */
function orderingKeyOf(event: AuditEventInput): string {
  if (event.keyId !== undefined) return `key:${event.keyId}`;
  if (event.partnerId !== undefined) return `partner:${event.partnerId}`;
  const requestId = event.details?.requestId;
  if (typeof requestId === 'string') return `approval:${requestId}`;
  return event.action;
}

/**
 * The Standard Webhooks payload `{type, timestamp, data}` of an audit event, or undefined for an action that is not
 * sent. The data are the audit row's own summaries, which never hold a secret or its digest.
 */
export function webhookMessageOf(event: AuditEventInput, at: Date): WebhookMessage | undefined {
  const type = WEBHOOK_TYPES[event.action];
  if (type === null) return undefined;
  const data = {
    actor: event.actor,
    keyId: event.keyId,
    partnerId: event.partnerId,
    before: event.before,
    after: event.after,
    details: event.details,
  };
  return {
    messageId: newMessageId(),
    type,
    orderingKey: orderingKeyOf(event),
    // JSON.stringify leaves the undefined members out.
    body: JSON.stringify({ type, timestamp: at.toISOString(), data }),
    createdAt: at,
  };
}
