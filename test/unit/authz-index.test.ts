import { describe, expect, it } from 'vitest';
import { createDecider } from '../../src/authz/decide.ts';
import { createIndexSync } from '../../src/authz/index-sync.ts';
import { KeyIndex } from '../../src/authz/key-index.ts';
import type { IndexedKeyRecord, KeyChangeEvents, KeyChangeFeed, KeyIndexSource, UsageBatch } from '../../src/authz/ports.ts';
import { createUsageRecorder } from '../../src/authz/usage-recorder.ts';
import { harvestCatalog } from '../../src/catalog/load-catalog.ts';
import { createSecretDigest } from '../../src/keys/secret-digest.ts';
import { createSecretFormat } from '../../src/keys/secret-format.ts';
import { createLogger } from '../../src/logger.ts';

const catalog = harvestCatalog();
const secretFormat = createSecretFormat('hk');
const digest = createSecretDigest('unit-pepper-0123456789abcdefghijklmnopqrstuvwxyz');
const decider = createDecider({ catalog, secretFormat, digest });

function aRecord(secret: string, overrides: Partial<IndexedKeyRecord> = {}): IndexedKeyRecord {
  return { id: `key_${secret.slice(-6)}`, digest: digest(secret), partnerName: 'Acme', status: 'active', legacy: false, revokeAt: null, permissions: ['GET /v1/users'], ...overrides };
}

describe('the decision index', () => {
  it('decides from memory: allowed, not granted, unknown, revoked, scheduled revocation, and bad checksum', () => {
    const [ok, revoked, scheduled] = [secretFormat.generate(), secretFormat.generate(), secretFormat.generate()];
    const index = KeyIndex.from([
      aRecord(ok),
      aRecord(revoked, { status: 'revoked' }),
      aRecord(scheduled, { revokeAt: new Date('2026-01-01T00:00:00Z') }),
    ]);
    const at = new Date('2025-12-31T23:59:59Z');
    expect(decider.decide(index, ok, 'GET', '/v1/users', at)).toMatchObject({ status: 200, entry: { keyId: `key_${ok.slice(-6)}`, partnerHeader: 'Acme' } });
    expect(decider.decide(index, ok, 'DELETE', '/v1/candidates/1', at)).toMatchObject({ status: 403, reason: 'not_granted' });
    expect(decider.decide(index, ok, 'GET', '/v1/nope', at)).toMatchObject({ status: 403, reason: 'not_in_catalog' });
    expect(decider.decide(index, secretFormat.generate(), 'GET', '/v1/users', at)).toMatchObject({ status: 401, reason: 'unknown' });
    expect(decider.decide(index, revoked, 'GET', '/v1/users', at)).toMatchObject({ status: 401, reason: 'revoked' });
    expect(decider.decide(index, scheduled, 'GET', '/v1/users', at)).toMatchObject({ status: 200 });
    expect(decider.decide(index, scheduled, 'GET', '/v1/users', new Date('2026-01-01T00:00:00Z'))).toMatchObject({ status: 401, reason: 'revoked' });
    const typo = `${ok.slice(0, -1)}${ok.endsWith('0') ? '1' : '0'}`;
    expect(decider.decide(index, typo, 'GET', '/v1/users', at)).toMatchObject({ status: 401, reason: 'checksum' });
  });

  it('replaces a changed key by id, drops a removed one, and shares identical permission sets', () => {
    const [a, b] = [secretFormat.generate(), secretFormat.generate()];
    const index = KeyIndex.from([aRecord(a, { id: 'key_a' }), aRecord(b, { id: 'key_b' })]);
    const now = new Date();
    expect(decider.decide(index, a, 'GET', '/v1/users', now).entry?.permissions).toBe(decider.decide(index, b, 'GET', '/v1/users', now).entry?.permissions);
    const replacement = secretFormat.generate();
    index.put(aRecord(replacement, { id: 'key_a' }));
    expect(decider.decide(index, a, 'GET', '/v1/users', now)).toMatchObject({ status: 401, reason: 'unknown' });
    expect(decider.decide(index, replacement, 'GET', '/v1/users', now)).toMatchObject({ status: 200 });
    index.remove('key_b');
    expect(index.size).toBe(1);
  });

  it('percent-encodes a partner name that is not printable ASCII for the header', () => {
    const secret = secretFormat.generate();
    const index = KeyIndex.from([aRecord(secret, { partnerName: 'Zürich\nAG' })]);
    expect(decider.decide(index, secret, 'GET', '/v1/users', new Date()).entry?.partnerHeader).toBe('Z%C3%BCrich%0AAG');
  });
});

/** A feed the test drives by hand, and a source whose loads the test releases one at a time. */
function scriptedSync(records: Map<string, IndexedKeyRecord>) {
  let events: KeyChangeEvents | undefined;
  const feed: KeyChangeFeed = {
    start: (e) => {
      events = e;
    },
    stop: async () => {},
  };
  const gates: Array<() => void> = [];
  const gate = () => new Promise<void>((resolve) => gates.push(resolve));
  const source: KeyIndexSource = {
    async loadAll(onPage) {
      const snapshot = [...records.values()];
      await gate();
      onPage(snapshot);
    },
    async loadSome(ids) {
      const snapshot = ids.flatMap((id) => records.get(id) ?? []);
      await gate();
      return snapshot;
    },
  };
  let now = 1_000_000;
  const sync = createIndexSync({ source, feed, maxStalenessMs: 30_000, logger: createLogger('silent'), nowMs: () => now });
  sync.start();
  const release = async () => {
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { sync, events: () => events as KeyChangeEvents, release, advance: (ms: number) => (now += ms), now: () => now };
}

describe('keeping the index current', () => {
  it('applies a change notified during a full load after that load, so it is not lost', async () => {
    const secret = secretFormat.generate();
    const records = new Map([['key_1', aRecord(secret, { id: 'key_1' })]]);
    const s = scriptedSync(records);
    expect(s.sync.freshness(s.now())).toBe('loading');
    s.events().onConnected();
    // The load has read the table; the key is revoked and notified before the load is applied.
    records.set('key_1', aRecord(secret, { id: 'key_1', status: 'revoked' }));
    s.events().onKeyChanged('key_1');
    await s.release();
    await s.sync.loaded();
    expect(decider.decide(s.sync.current() as KeyIndex, secret, 'GET', '/v1/users', new Date()).status).toBe(200);
    await s.release();
    expect(decider.decide(s.sync.current() as KeyIndex, secret, 'GET', '/v1/users', new Date())).toMatchObject({ status: 401, reason: 'revoked' });
    expect(s.sync.freshness(s.now())).toBe('fresh');
  });

  it('turns stale once the channel has been down longer than the bound, and fresh after the reload on reconnect', async () => {
    const s = scriptedSync(new Map());
    s.events().onConnected();
    await s.release();
    s.events().onDisconnected(new Error('gone'));
    s.advance(30_000);
    expect(s.sync.freshness(s.now())).toBe('fresh');
    s.advance(1);
    expect(s.sync.freshness(s.now())).toBe('stale');
    s.events().onConnected();
    expect(s.sync.freshness(s.now())).toBe('stale');
    await s.release();
    expect(s.sync.freshness(s.now())).toBe('fresh');
  });
});

describe('usage recording', () => {
  it('aggregates per key, endpoint and UTC day, and keeps counts when a write fails', async () => {
    const written: UsageBatch[] = [];
    let fail = true;
    const recorder = createUsageRecorder({
      async write(batch) {
        if (fail) throw new Error('database down');
        written.push(batch);
      },
    });
    const day1 = Date.parse('2026-03-01T23:59:00Z');
    recorder.record('key_a', 'GET /v1/users', true, day1);
    recorder.record('key_a', 'GET /v1/users', true, day1 + 1000);
    recorder.record('key_a', 'GET /v1/users', false, day1 + 2000);
    await expect(recorder.flush()).rejects.toThrow('database down');
    recorder.record('key_a', 'GET /v1/users', true, day1 + 120_000);
    recorder.record('key_b', '-', false, day1 + 120_000);
    fail = false;
    await recorder.flush();
    expect(written).toHaveLength(1);
    const batch = written[0] as UsageBatch;
    expect(batch.counts.sort((x, y) => (x.day + x.keyId).localeCompare(y.day + y.keyId))).toEqual([
      { keyId: 'key_a', endpointId: 'GET /v1/users', day: '2026-03-01', allowed: 2, denied: 1 },
      { keyId: 'key_a', endpointId: 'GET /v1/users', day: '2026-03-02', allowed: 1, denied: 0 },
      { keyId: 'key_b', endpointId: '-', day: '2026-03-02', allowed: 0, denied: 1 },
    ]);
    expect(batch.lastUsed.find((u) => u.keyId === 'key_a')?.at.toISOString()).toBe('2026-03-02T00:01:00.000Z');
    await recorder.flush();
    expect(written).toHaveLength(1);
  });
});
