import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalog } from '../../src/catalog/catalog.ts';
import { harvestCatalog } from '../../src/catalog/load-catalog.ts';
import { syncCatalog } from '../../src/db/catalog-sync.ts';
import { createDbClient, type DbClient } from '../../src/db/client.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
let client: DbClient;
beforeAll(async () => {
  database = await createTestDatabase();
  client = createDbClient(database.url);
});
afterAll(async () => {
  await client?.close();
  await database?.drop();
});

/** Each row's label with the transaction that last wrote it: a rewrite of an unchanged row shows as a new xmin. */
async function rows(apiType: string): Promise<Map<string, { label: string; xmin: string }>> {
  const found = await client.sql<{ id: string; label: string; xmin: string }[]>`
    select id, label, xmin::text as xmin from catalog_endpoints where api_type = ${apiType}`;
  return new Map(found.map((row) => [row.id, { label: row.label, xmin: row.xmin }]));
}

describe('mirroring the catalog into catalog_endpoints at start-up', () => {
  it('writes nothing when the table already holds this catalog (every start after the first)', async () => {
    const catalog = harvestCatalog();
    await syncCatalog(client.db, catalog);
    const first = await rows(catalog.name);
    expect(first.size).toBe(catalog.endpoints.length);
    await syncCatalog(client.db, catalog);
    expect(await rows(catalog.name)).toEqual(first);
  });

  it('still mirrors every change: an edited label, a removed and an added endpoint', async () => {
    const [kept, edited, removed] = harvestCatalog().endpoints;
    if (kept === undefined || edited === undefined || removed === undefined) throw new Error('catalog too small');
    const name = 'Sync test';
    await syncCatalog(client.db, createCatalog(name, [kept, edited, removed]));
    const added = { ...kept, id: 'GET /v1/sync-test', path: '/v1/sync-test', label: 'GET: Sync test' };
    await syncCatalog(client.db, createCatalog(name, [kept, { ...edited, label: 'GET: Renamed' }, added]));
    const after = await rows(name);
    expect([...after.keys()].sort()).toEqual([kept.id, edited.id, added.id].sort());
    expect(after.get(edited.id)?.label).toBe('GET: Renamed');
    // Other catalogs' rows are left alone.
    expect((await rows(harvestCatalog().name)).size).toBe(harvestCatalog().endpoints.length);
  });
});
