import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestKey, type IndexEntry, KeyIndex } from '../../src/authz/key-index.ts';
import type { IndexedKeyRecord } from '../../src/authz/ports.ts';
import { stoppedAt } from '../../src/keys/key-state.ts';

/**
 * The index's tables against the plainest possible model (a Map per direction): any sequence of puts, replacements
 * and removals must leave the same answers. Digests here share their first bytes far more than HMAC outputs do, so
 * probe runs collide, wrap around the table's end and are torn open by removals.
 */
const ENDPOINTS = [
  'GET /v1/users',
  'POST /v1/users',
  'GET /v1/candidates',
  'DELETE /v1/candidates/:id',
  'GET /v1/jobs',
  'PATCH /v1/jobs/:id',
];

const digestArb = fc
  .tuple(
    fc.constantFrom(0x00000000, 0xffffffff, 0x000003ff, 0x7fffffff, 0x80000000),
    fc.uint8Array({ minLength: 28, maxLength: 28 }),
  )
  .map(([head, tail]) => {
    const digest = Buffer.alloc(32);
    digest.writeUInt32LE(head >>> 0, 0);
    // A few distinct tails per head: many digests share a home slot, and whole digests repeat across keys.
    digest.set(
      tail.map((b) => b % 3),
      4,
    );
    return digest;
  });

const EXPIRY_BASE = Date.parse('2029-06-01T00:00:00Z');

/** Ids from a space of `ids`: 40 keep replacements frequent; thousands make the tables grow between changes. */
const recordArb = (ids: number) =>
  fc.record({
    id: fc.integer({ min: 0, max: ids - 1 }).map((i) => `key_${i}`),
    digest: digestArb,
    partnerName: fc.constantFrom(null, 'Acme', 'Zürich AG'),
    status: fc.constantFrom('active' as const, 'revoked' as const),
    legacy: fc.boolean(),
    revokeAt: fc.constantFrom(null, new Date('2030-01-01T00:00:00Z')),
    permissions: fc.array(fc.constantFrom(...ENDPOINTS), { maxLength: 8 }),
    allowedNetworks: fc.constantFrom<string[][]>([], ['10.0.0.0/8'], ['192.0.2.1/32', '2001:db8::/32']),
    expiresAt: fc.option(fc.integer({ min: EXPIRY_BASE - 2000, max: EXPIRY_BASE + 2000 })),
    clientId: fc.constantFrom(null, 'hkc_000000000000000000000001'),
    revokedTokens: fc.constantFrom<string[][]>([], ['jti-1']),
  });

const opArb = (ids: number) =>
  fc.oneof(
    { weight: 150, arbitrary: recordArb(ids).map((record) => ({ kind: 'put' as const, record })) },
    {
      weight: 50,
      arbitrary: fc.integer({ min: 0, max: ids - 1 }).map((i) => ({ kind: 'remove' as const, id: `key_${i}` })),
    },
    // Making room changes nothing the index answers, whatever it holds then.
    {
      weight: 1,
      arbitrary: fc.integer({ min: 0, max: 3 * ids }).map((keys) => ({ kind: 'reserve' as const, keys })),
    },
  );

describe('the key index', () => {
  // Long sequences on purpose (fast-check's default size keeps arrays to about ten items): with thousands of ids the
  // tables grow (they start at 1,024 rows) between puts, replacements and removals.
  for (const { ids, runs, minLength, maxLength } of [
    { ids: 40, runs: 60, minLength: 0, maxLength: 1000 },
    { ids: 4000, runs: 6, minLength: 1500, maxLength: 2500 },
  ])
    it(`answers like a map of digests and a map of ids after any sequence of changes, ids among ${ids}`, () => {
      let largest = 0;
      fc.assert(
        fc.property(fc.array(opArb(ids), { minLength, maxLength, size: 'max' }), (ops) => {
          const index = new KeyIndex();
          const byId = new Map<string, IndexedKeyRecord>();
          const seen = new Set<string>();
          for (const op of ops) {
            if (op.kind === 'reserve') {
              index.reserve(op.keys);
              continue;
            }
            if (op.kind === 'remove') {
              index.remove(op.id);
              byId.delete(op.id);
              continue;
            }
            index.put(op.record);
            seen.add(digestKey(op.record.digest));
            for (const [id, held] of byId)
              if (id !== op.record.id && held.digest.equals(op.record.digest)) byId.delete(id);
            byId.set(op.record.id, op.record);
          }
          expect(index.size).toBe(byId.size);
          largest = Math.max(largest, index.size);
          const byDigest = new Map([...byId.values()].map((r) => [digestKey(r.digest), r]));
          for (const digest of seen) {
            const want = byDigest.get(digest);
            const entry = index.lookup(digest);
            expect(index.lookupDigest(Buffer.from(digest, 'latin1'))).toBe(entry);
            if (want === undefined) {
              expect(entry).toBeUndefined();
              continue;
            }
            expect(entry).toMatchObject({
              keyId: want.id,
              partnerName: want.partnerName,
              status: want.status,
              legacy: want.legacy,
              revokeAt: want.revokeAt,
              expiresAt: want.expiresAt,
            });
            // Enforcement reads the expiry from the entry to the millisecond, as from the record.
            for (const at of [EXPIRY_BASE - 1, EXPIRY_BASE, EXPIRY_BASE + 1])
              expect(stoppedAt(entry as IndexEntry, at)).toBe(stoppedAt(want, at));
            expect([...(entry?.permissions ?? [])].sort()).toEqual([...new Set(want.permissions)].sort());
            for (const id of ENDPOINTS) expect(entry?.permissions.has(id)).toBe(want.permissions.includes(id));
            expect(entry?.networks?.networks ?? []).toEqual(want.allowedNetworks);
          }
          for (let i = 0; i < ids; i++) expect(index.has(`key_${i}`)).toBe(byId.has(`key_${i}`));
        }),
        // A failing sequence of thousands of changes would take minutes to shrink: reported as found.
        { numRuns: runs, endOnFailure: ids > 1024 },
      );
      if (ids > 1024) expect(largest).toBeGreaterThan(1024);
    });

  it('holds five thousand colliding keys through growth and removal of every other one', () => {
    const index = new KeyIndex();
    const records = Array.from({ length: 5000 }, (_, i) => {
      const digest = Buffer.alloc(32);
      digest.writeUInt32LE(i % 7, 0);
      digest.writeUInt32LE(i, 4);
      return {
        id: `key_${i}`,
        digest,
        partnerName: null,
        status: 'active' as const,
        legacy: false,
        revokeAt: null,
        permissions: [ENDPOINTS[i % 6] as string],
        allowedNetworks: [],
        clientId: null,
        revokedTokens: [],
        expiresAt: null,
      };
    });
    for (const record of records) index.put(record);
    for (const record of records.filter((_, i) => i % 2 === 0)) index.remove(record.id);
    expect(index.size).toBe(2500);
    records.forEach((record, i) => {
      expect(index.lookup(digestKey(record.digest))?.keyId).toBe(i % 2 === 0 ? undefined : record.id);
    });
  });
});
