import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexedKeyRecord } from '../../src/authz/ports.ts';
import { createKeyIndexSource } from '../../src/db/key-index-source.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

/**
 * The full load reads pages (ranges of ids) on several connections sharing one snapshot, each page's keys joined to
 * their grants over the same id range. Small pages here make every boundary case happen with a few hundred keys: keys
 * without grants at a page's edges, revoked keys, a last page that is exactly full or short.
 */
let database: TestDatabase;
let sql: postgres.Sql;

const ENDPOINTS = [
  'GET /v1/users',
  'POST /v1/users',
  'GET /v1/candidates',
  'DELETE /v1/candidates/:id',
  'GET /v1/jobs',
];

beforeAll(async () => {
  database = await createTestDatabase();
  sql = postgres(database.url, { max: 4, onnotice: () => {} });
  await sql`insert into partners (id, name, created_by) values ('ptn_a', 'Acme', 'test'), ('ptn_z', 'Zürich AG', 'test')`;
  await sql`insert into api_keys (id, secret_digest, hint, description, api_type, partner_id, status, legacy, revoke_at, created_by,
                                 allowed_networks)
    select 'key_' || lpad(i::text, 4, '0'), sha256(('k' || i)::bytea), 'abcd', 'Key ' || i, 'Harvest',
           case i % 3 when 0 then 'ptn_a' when 1 then 'ptn_z' end,
           case when i % 11 = 0 then 'revoked' else 'active' end, i % 7 = 0,
           case when i % 13 = 0 then timestamptz '2030-01-01 00:00:00Z' end, 'test',
           case when i % 5 = 0 then array['203.0.113.0/24', '2001:db8::/32'] else '{}' end
      from generate_series(1, 300) i`;
  // Key i holds the endpoints whose bit is set in i % 32: every fifth... none at all for i % 32 = 0.
  await sql`insert into key_permissions (key_id, endpoint_id)
    select 'key_' || lpad(i::text, 4, '0'), e.id
      from generate_series(1, 300) i
      join unnest(${ENDPOINTS}::text[]) with ordinality as e(id, n) on (i % 32) & (1 << (e.n::int - 1)) <> 0`;
});

afterAll(async () => {
  await sql.end();
  await database.drop();
});

function expected(i: number): IndexedKeyRecord {
  const status = i % 11 === 0 ? 'revoked' : 'active';
  return {
    id: `key_${String(i).padStart(4, '0')}`,
    digest: Buffer.alloc(0),
    partnerName: i % 3 === 0 ? 'Acme' : i % 3 === 1 ? 'Zürich AG' : null,
    status,
    legacy: i % 7 === 0,
    expiresAt: null,
    revokeAt: i % 13 === 0 ? new Date('2030-01-01T00:00:00Z') : null,
    permissions: status === 'revoked' ? [] : ENDPOINTS.filter((_, n) => ((i % 32) & (1 << n)) !== 0),
    allowedNetworks: i % 5 === 0 ? ['203.0.113.0/24', '2001:db8::/32'] : [],
    clientId: null,
    revokedTokens: [],
  };
}

const comparable = (r: IndexedKeyRecord) => ({ ...r, digest: undefined, permissions: [...r.permissions].sort() });

describe('loading every key for the index', () => {
  for (const pageSize of [1, 7, 50, 100, 300, 1000]) {
    it(`returns every key exactly once with its grants, pages of ${pageSize}`, async () => {
      const pages: Array<readonly IndexedKeyRecord[]> = [];
      let told: number | undefined;
      await createKeyIndexSource(sql, { pageSize }).loadAll(
        (records) => pages.push(records),
        (keys) => {
          expect(pages).toHaveLength(0);
          told = keys;
        },
      );
      // Told before the first page, at least every key and at most a page more.
      expect(told).toBeGreaterThanOrEqual(300);
      expect(told).toBeLessThanOrEqual(300 + pageSize);
      const all = pages.flat().sort((a, b) => a.id.localeCompare(b.id));
      expect(all.map((r) => r.id)).toEqual(Array.from({ length: 300 }, (_, i) => expected(i + 1).id));
      expect(all.map(comparable)).toEqual(Array.from({ length: 300 }, (_, i) => comparable(expected(i + 1))));
      expect(all[41]?.digest).toEqual(
        (await sql`select secret_digest from api_keys where id = 'key_0042'`)[0]?.secret_digest,
      );
      expect(Math.max(...pages.map((p) => p.length))).toBeLessThanOrEqual(pageSize);
    });
  }

  it('loads every key through a pool of a single connection (no helper waiting for a connection it holds)', async () => {
    const single = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const loaded: IndexedKeyRecord[] = [];
      await createKeyIndexSource(single, { pageSize: 50 }).loadAll((records) => loaded.push(...records));
      expect(loaded.map((r) => r.id).sort()).toEqual(Array.from({ length: 300 }, (_, i) => expected(i + 1).id));
    } finally {
      await single.end();
    }
  });

  it('fails the load with the error the index raised, and leaves the connections usable', async () => {
    let pages = 0;
    const load = createKeyIndexSource(sql, { pageSize: 50 }).loadAll(() => {
      pages++;
      if (pages === 2) throw new Error('index refused a page');
    });
    await expect(load).rejects.toThrow('index refused a page');
    expect(pages).toBe(2);
    const loaded: IndexedKeyRecord[] = [];
    await createKeyIndexSource(sql, { pageSize: 50 }).loadAll((records) => loaded.push(...records));
    expect(loaded).toHaveLength(300);
  });

  it('loads some keys by id, and leaves out ids that do not exist', async () => {
    const records = await createKeyIndexSource(sql).loadSome(['key_0033', 'key_0044', 'key_9999', 'key_0031']);
    expect(records.map(comparable).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [31, 33, 44].map((i) => comparable(expected(i))),
    );
  });
});
