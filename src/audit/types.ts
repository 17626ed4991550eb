export type AuditAction =
  | 'key.created'
  | 'key.imported'
  | 'key.edited'
  | 'key.revoked'
  | 'key.enabled'
  | 'key.replaced'
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
}

export interface AuditEvent extends AuditEventInput {
  id: number;
  at: Date;
}

export interface AuditRepository {
  append(event: AuditEventInput): Promise<void>;
  /** Many events in multi-row statements (an import), in the order given. */
  appendMany(events: readonly AuditEventInput[]): Promise<void>;
  list(filter: { keyId?: string; partnerId?: string; limit?: number }): Promise<AuditEvent[]>;
}
