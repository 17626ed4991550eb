import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { AuditAction, AuditRepository } from '../../audit/types.ts';
import type { Database } from '../client.ts';
import { auditEvents } from '../schema/index.ts';

export function createAuditRepository(db: Database): AuditRepository {
  return {
    async append(event) {
      await db.insert(auditEvents).values({
        actor: event.actor,
        action: event.action,
        keyId: event.keyId ?? null,
        partnerId: event.partnerId ?? null,
        before: event.before ?? null,
        after: event.after ?? null,
        details: event.details ?? null,
      });
    },
    async list(filter) {
      const conditions: SQL[] = [];
      if (filter.keyId !== undefined) conditions.push(eq(auditEvents.keyId, filter.keyId));
      if (filter.partnerId !== undefined) conditions.push(eq(auditEvents.partnerId, filter.partnerId));
      const rows = await db
        .select()
        .from(auditEvents)
        .where(conditions.length === 0 ? undefined : and(...conditions))
        .orderBy(desc(auditEvents.id))
        .limit(filter.limit ?? 100);
      return rows.map((row) => ({
        id: row.id,
        at: row.at,
        actor: row.actor,
        action: row.action as AuditAction,
        keyId: row.keyId ?? undefined,
        partnerId: row.partnerId ?? undefined,
        before: (row.before ?? undefined) as Record<string, unknown> | undefined,
        after: (row.after ?? undefined) as Record<string, unknown> | undefined,
        details: (row.details ?? undefined) as Record<string, unknown> | undefined,
      }));
    },
  };
}
