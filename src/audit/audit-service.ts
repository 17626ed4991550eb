import type { AuditEvent, AuditFilter, AuditReader, AuditRepository } from './types.ts';

/** Rows per query of an export: big enough to keep round trips few, small enough to hold comfortably. */
export const EXPORT_PAGE_SIZE = 1_000;

/** How many events the Slack History view shows. */
export const HISTORY_LIMIT = 20;

export type AuditService = ReturnType<typeof createAuditService>;

/** Reading the audit trail: the export (`harvest-keys audit`) and a key's recent history (Slack). */
export function createAuditService(deps: {
  reader: AuditReader;
  audit: Pick<AuditRepository, 'list'>;
  pageSize?: number | undefined;
}) {
  const pageSize = deps.pageSize ?? EXPORT_PAGE_SIZE;
  return {
    /** Every event matching `filter`, oldest first, read a page at a time as the consumer pulls. */
    async *events(filter: AuditFilter): AsyncGenerator<AuditEvent> {
      let afterId = 0;
      for (;;) {
        const page = await deps.reader.page(filter, afterId, pageSize);
        yield* page;
        if (page.length < pageSize) return;
        afterId = (page.at(-1) as AuditEvent).id;
      }
    },

    /** A key's latest events, newest first. */
    async history(keyId: string, limit = HISTORY_LIMIT): Promise<AuditEvent[]> {
      return deps.audit.list({ keyId, limit });
    },
  };
}
