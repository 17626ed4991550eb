import { eq, sql } from 'drizzle-orm';
import type { Catalog } from '../catalog/types.ts';
import type { Database } from './client.ts';
import { catalogEndpoints } from './schema/index.ts';

type Row = typeof catalogEndpoints.$inferInsert;

function rowsOf(catalog: Catalog): Row[] {
  return catalog.endpoints.map((e) => ({
    apiType: catalog.name,
    id: e.id,
    method: e.method,
    path: e.path,
    resource: e.resource,
    label: e.label,
    firstDocumented: e.firstDocumented ?? null,
    existedAtLegacyCutoff: e.existedAtLegacyCutoff,
    deprecated: e.deprecated,
  }));
}

/** Order- and key-order-independent, so rows read back compare equal to the rows that would be written. */
function fingerprint(rows: Row[]): string {
  return rows
    .map((r) =>
      JSON.stringify([
        r.id,
        r.method,
        r.path,
        r.resource,
        r.label,
        r.firstDocumented ?? null,
        r.existedAtLegacyCutoff,
        r.deprecated,
      ]),
    )
    .sort()
    .join('\n');
}

/**
 * Mirrors the loaded catalog into `catalog_endpoints` so SQL reports can label grants. Every start after the first
 * finds the same catalog there: one read, and no rewrite (and no commit to wait for).
 */
export async function syncCatalog(db: Database, catalog: Catalog): Promise<void> {
  const wanted = rowsOf(catalog);
  const stored = await db.select().from(catalogEndpoints).where(eq(catalogEndpoints.apiType, catalog.name));
  if (fingerprint(stored) === fingerprint(wanted)) return;
  await db.transaction(async (tx) => {
    // Instances starting together would otherwise race on the same rows.
    await tx.execute(sql`select pg_advisory_xact_lock(7342002)`);
    await tx.delete(catalogEndpoints).where(eq(catalogEndpoints.apiType, catalog.name));
    await tx.insert(catalogEndpoints).values(wanted);
  });
}
