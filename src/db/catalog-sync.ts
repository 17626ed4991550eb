import { eq, sql } from 'drizzle-orm';
import type { Catalog } from '../catalog/types.ts';
import type { Database } from './client.ts';
import { catalogEndpoints } from './schema/index.ts';

/** Mirrors the loaded catalog into `catalog_endpoints` so SQL reports can label grants. */
export async function syncCatalog(db: Database, catalog: Catalog): Promise<void> {
  await db.transaction(async (tx) => {
    // Instances starting together would otherwise race on the same rows.
    await tx.execute(sql`select pg_advisory_xact_lock(7342002)`);
    await tx.delete(catalogEndpoints).where(eq(catalogEndpoints.apiType, catalog.name));
    await tx.insert(catalogEndpoints).values(
      catalog.endpoints.map((e) => ({
        apiType: catalog.name,
        id: e.id,
        method: e.method,
        path: e.path,
        resource: e.resource,
        label: e.label,
        firstDocumented: e.firstDocumented ?? null,
        existedAtLegacyCutoff: e.existedAtLegacyCutoff,
        deprecated: e.deprecated,
      })),
    );
  });
}
