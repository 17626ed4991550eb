import type { AuditSource } from './source.ts';
import type { AuditEvent } from './types.ts';

/** One exported event, as a SIEM reads it (`harvest-keys audit --json`, one per line). */
export interface AuditRecord {
  id: number;
  time: string;
  action: string;
  key: string | null;
  partner: string | null;
  actor: string;
  source: AuditSource;
  reason: string | null;
  /** The key (or partner) before and after, as summaries: audit rows never hold a secret or its digest. */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  details: Record<string, unknown> | null;
}

/** The reason a person gave (revoke, deny) or the service recorded (a grace period ending), when there is one. */
export function auditReason(event: Pick<AuditEvent, 'details'>): string | null {
  const reason = event.details?.reason;
  return typeof reason === 'string' && reason !== '' ? reason : null;
}

export function auditRecord(event: AuditEvent): AuditRecord {
  return {
    id: event.id,
    time: event.at.toISOString(),
    action: event.action,
    key: event.keyId ?? null,
    partner: event.partnerId ?? null,
    actor: event.actor,
    source: event.source,
    reason: auditReason(event),
    before: event.before ?? null,
    after: event.after ?? null,
    details: event.details ?? null,
  };
}
