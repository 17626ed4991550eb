import type { AuditSource } from './source.ts';

export type AuditAction =
  | 'key.created'
  | 'key.imported'
  | 'key.edited'
  | 'key.revoked'
  | 'key.enabled'
  | 'key.replaced'
  /** A replace or upgrade undone because its successor's hand-over failed: details name the successor and why. */
  | 'key.replacement_abandoned'
  | 'partner.created'
  | 'partner.edited'
  | 'partner.archived'
  | 'partner.unarchived'
  | 'partner.pgp_key_set'
  | 'partner.pgp_key_confirmed'
  | 'key.delivered'
  | 'key.delivery_failed'
  | 'key.delivery_confirmed'
  | 'role.granted'
  | 'role.removed'
  | 'approval.requested'
  | 'approval.decided'
  | 'approval.executed'
  | 'approval.superseded'
  | 'approval.expired'
  | 'approval.failed'
  | 'approval.revealed'
  | 'approval.reveal_expired'
  /** A client id and secret that did not authenticate at /oauth/* (details: client id, address, reason; no secret). */
  | 'oauth.client_auth_failed'
  /** An access token revoked by its client (RFC 7009); details name the token id and its expiry. */
  | 'oauth.token_revoked';

/** Snapshots are summaries a person can read; they never hold a secret or its digest. */
export interface AuditEventInput {
  actor: string;
  action: AuditAction;
  keyId?: string | undefined;
  partnerId?: string | undefined;
  before?: Record<string, unknown> | undefined;
  after?: Record<string, unknown> | undefined;
  details?: Record<string, unknown> | undefined;
  /** Absent: `defaultSource(actor, action)`. */
  source?: AuditSource | undefined;
}

export interface AuditEvent extends AuditEventInput {
  id: number;
  at: Date;
  source: AuditSource;
}

/** Which events an export reads; every part optional, all given parts must match. */
export interface AuditFilter {
  keyId?: string | undefined;
  actor?: string | undefined;
  /** Inclusive. */
  since?: Date | undefined;
  /** Exclusive. */
  until?: Date | undefined;
}

/** Reads the trail a page at a time, so an export of millions of rows never holds more than one page. */
export interface AuditReader {
  /** Up to `limit` events matching `filter` with an id above `afterId`, oldest first. */
  page(filter: AuditFilter, afterId: number, limit: number): Promise<AuditEvent[]>;
}

export interface AuditRepository {
  append(event: AuditEventInput): Promise<void>;
  /** Many events in multi-row statements (an import), in the order given. */
  appendMany(events: readonly AuditEventInput[]): Promise<void>;
  list(filter: { keyId?: string; partnerId?: string; limit?: number }): Promise<AuditEvent[]>;
}
