import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import { defaultSource } from '../../audit/source.ts';
import type { AuditEventInput, AuditRepository } from '../../audit/types.ts';
import type { Database } from '../client.ts';
import { auditEvents } from '../schema/index.ts';
import { auditEventOf } from './audit-reader.ts';

const toRow = (event: AuditEventInput) => ({
  actor: event.actor,
  action: event.action,
  keyId: event.keyId ?? null,
  partnerId: event.partnerId ?? null,
  before: event.before ?? null,
  after: event.after ?? null,
  details: event.details ?? null,
  source: event.source ?? defaultSource(event.actor, event.action),
});

export function createAuditRepository(db: Database): AuditRepository {
  return {
    async append(event) {
      await db.insert(auditEvents).values(toRow(event));
    },
    async appendMany(events) {
      // One JSON parameter per statement, as for the keys of an import.
      for (let i = 0; i < events.length; i += 5_000) {
        const rows = events.slice(i, i + 5_000).map((event) => {
          const row = toRow(event);
          return {
            actor: row.actor,
            action: row.action,
            key_id: row.keyId,
            partner_id: row.partnerId,
            before: row.before,
            after: row.after,
            details: row.details,
            source: row.source,
          };
        });
        await db.execute(sql`
          insert into audit_events (actor, action, key_id, partner_id, before, after, details, source)
          select actor, action, key_id, partner_id, before, after, details, source
            from json_to_recordset(${JSON.stringify(rows)}::json)
                 as t(actor text, action text, key_id text, partner_id text, before jsonb, after jsonb, details jsonb,
                      source text)`);
      }
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
      return rows.map(auditEventOf);
    },
  };
}
