import { and, asc, eq, gt, gte, lt, type SQL } from 'drizzle-orm';
import { defaultSource, isAuditSource, type AuditSource } from '../../audit/source.ts';
import type { AuditAction, AuditEvent, AuditReader } from '../../audit/types.ts';
import type { Database } from '../client.ts';
import { auditEvents } from '../schema/index.ts';

type AuditRow = typeof auditEvents.$inferSelect;

/** The recorded source; a row from before sources were recorded gets the one its writer would have named. */
export function sourceOfRow(row: Pick<AuditRow, 'source' | 'actor' | 'action' | 'details'>): AuditSource {
  if (isAuditSource(row.source)) return row.source;
  // The grace-period sweep, the one writer that named its source without the actor telling it.
  const reason = (row.details as { reason?: unknown } | null)?.reason;
  if (row.actor === 'system' && row.action === 'key.revoked' && reason === 'grace period ended') return 'authz';
  return defaultSource(row.actor, row.action);
}

/** A stored row as the domain reads it; every reader of audit rows goes through here. */
export function auditEventOf(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action as AuditAction,
    keyId: row.keyId ?? undefined,
    partnerId: row.partnerId ?? undefined,
    before: (row.before ?? undefined) as Record<string, unknown> | undefined,
    after: (row.after ?? undefined) as Record<string, unknown> | undefined,
    details: (row.details ?? undefined) as Record<string, unknown> | undefined,
    source: sourceOfRow(row),
  };
}

/**
 * Keyset pages over the primary key: each page is one indexed range read, however deep into the trail it starts,
 * and rows appended during an export are picked up rather than shifting pages.
 */
export function createAuditReader(db: Database): AuditReader {
  return {
    async page(filter, afterId, limit) {
      const conditions: SQL[] = [gt(auditEvents.id, afterId)];
      if (filter.keyId !== undefined) conditions.push(eq(auditEvents.keyId, filter.keyId));
      if (filter.actor !== undefined) conditions.push(eq(auditEvents.actor, filter.actor));
      if (filter.since !== undefined) conditions.push(gte(auditEvents.at, filter.since));
      if (filter.until !== undefined) conditions.push(lt(auditEvents.at, filter.until));
      const rows = await db
        .select()
        .from(auditEvents)
        .where(and(...conditions))
        .orderBy(asc(auditEvents.id))
        .limit(limit);
      return rows.map(auditEventOf);
    },
  };
}
