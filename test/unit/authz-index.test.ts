import { describe, expect, it } from 'vitest';
import { createDecider } from '../../src/authz/decide.ts';
import { createIndexSync } from '../../src/authz/index-sync.ts';
import { KeyIndex } from '../../src/authz/key-index.ts';
import type {
  IndexedKeyRecord,
  KeyChangeEvents,
  KeyChangeFeed,
  KeyIndexSource,
  UsageBatch,
} from '../../src/authz/ports.ts';
import { createUsageRecorder } from '../../src/authz/usage-recorder.ts';
import { harvestCatalog } from '../../src/catalog/load-catalog.ts';
import { createSecretDigest } from '../../src/keys/secret-digest.ts';
import { createSecretFormat } from '../../src/keys/secret-format.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { captureLogs } from '../helpers/log-capture.ts';

const catalog = harvestCatalog();
const secretFormat = createSecretFormat('hk');
const digest = createSecretDigest('unit-pepper-0123456789abcdefghijklmnopqrstuvwxyz');
const decider = createDecider({ catalog, secretFormat, digest });

function aRecord(secret: string, overrides: Partial<IndexedKeyRecord> = {}): IndexedKeyRecord {
  return {
    id: `key_${secret.slice(-6)}`,
    digest: digest(secret),
    partnerName: 'Acme',
    status: 'active',
    legacy: false,
    revokeAt: null,
    permissions: ['GET /v1/users'],
    expiresAt: null,
    allowedNetworks: [],
    clientId: null,
    revokedTokens: [],
    ...overrides,
  };
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
    expect(decider.decide(index, ok, 'GET', '/v1/users', at)).toMatchObject({
      status: 200,
      entry: { keyId: `key_${ok.slice(-6)}`, partnerHeader: 'Acme' },
    });
    expect(decider.decide(index, ok, 'DELETE', '/v1/candidates/1', at)).toMatchObject({
      status: 403,
      reason: 'not_granted',
    });
    expect(decider.decide(index, ok, 'GET', '/v1/nope', at)).toMatchObject({ status: 403, reason: 'not_in_catalog' });
    expect(decider.decide(index, secretFormat.generate(), 'GET', '/v1/users', at)).toMatchObject({
      status: 401,
      reason: 'unknown',
    });
    expect(decider.decide(index, revoked, 'GET', '/v1/users', at)).toMatchObject({ status: 401, reason: 'revoked' });
    expect(decider.decide(index, scheduled, 'GET', '/v1/users', at)).toMatchObject({ status: 200 });
    expect(decider.decide(index, scheduled, 'GET', '/v1/users', new Date('2026-01-01T00:00:00Z'))).toMatchObject({
      status: 401,
      reason: 'revoked',
    });
    const typo = `${ok.slice(0, -1)}${ok.endsWith('0') ? '1' : '0'}`;
    expect(decider.decide(index, typo, 'GET', '/v1/users', at)).toMatchObject({ status: 401, reason: 'checksum' });
  });

  it('replaces a changed key by id, drops a removed one, and shares identical permission sets', () => {
    const [a, b] = [secretFormat.generate(), secretFormat.generate()];
    const index = KeyIndex.from([aRecord(a, { id: 'key_a' }), aRecord(b, { id: 'key_b' })]);
    const now = new Date();
    expect(decider.decide(index, a, 'GET', '/v1/users', now).entry?.permissions).toBe(
      decider.decide(index, b, 'GET', '/v1/users', now).entry?.permissions,
    );
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
function scriptedSync(
  records: Map<string, IndexedKeyRecord>,
  options: { maxStalenessMs?: number; loadTimeoutMs?: number; logger?: Logger } = {},
) {
  let events: KeyChangeEvents | undefined;
  const feed: KeyChangeFeed = {
    start: (e) => {
      events = e;
    },
    stop: async () => {},
  };
  const gates: Array<() => void> = [];
  const gate = () => new Promise<void>((resolve) => gates.push(resolve));
  const calls: Array<{ kind: 'all' } | { kind: 'some'; ids: readonly string[] }> = [];
  const source: KeyIndexSource = {
    async loadAll(onPage) {
      calls.push({ kind: 'all' });
      const snapshot = [...records.values()];
      await gate();
      onPage(snapshot);
    },
    async loadSome(ids) {
      calls.push({ kind: 'some', ids });
      const snapshot = ids.flatMap((id) => records.get(id) ?? []);
      await gate();
      return snapshot;
    },
  };
  let now = 1_000_000;
  const sync = createIndexSync({
    source,
    feed,
    maxStalenessMs: options.maxStalenessMs ?? 30_000,
    loadTimeoutMs: options.loadTimeoutMs,
    logger: options.logger ?? createLogger('silent'),
    nowMs: () => now,
  });
  sync.start();
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const release = async () => {
    while (gates.length === 0) await settle();
    gates.shift()?.();
    await settle();
  };
  /** The listener's proof: everything committed before `now` has been delivered. */
  const caughtUp = async () => {
    events?.onCaughtUp(now);
    await settle();
  };
  return {
    sync,
    events: () => events as KeyChangeEvents,
    release,
    caughtUp,
    calls,
    waiting: () => gates.length,
    advance: (ms: number) => (now += ms),
    now: () => now,
  };
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
    s.events().onKeysChanged(['key_1'], 'changed');
    await s.release();
    await s.sync.loaded();
    expect(decider.decide(s.sync.current() as KeyIndex, secret, 'GET', '/v1/users', new Date()).status).toBe(200);
    await s.release();
    expect(decider.decide(s.sync.current() as KeyIndex, secret, 'GET', '/v1/users', new Date())).toMatchObject({
      status: 401,
      reason: 'revoked',
    });
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
    expect(s.sync.status(s.now()).reason).toContain('key change channel down');
    s.events().onConnected();
    expect(s.sync.freshness(s.now())).toBe('stale');
    await s.release();
    expect(s.sync.freshness(s.now())).toBe('fresh');
  });
});

describe('staleness is measured from the last time the instance proved it was current, whatever the cause', () => {
  /** Connected, loaded, and confirmed current: the starting point of each case. */
  async function current(
    records = new Map<string, IndexedKeyRecord>(),
    options: { maxStalenessMs?: number; loadTimeoutMs?: number } = {},
  ) {
    const s = scriptedSync(records, options);
    s.events().onConnected();
    await s.release();
    await s.caughtUp();
    expect(s.sync.freshness(s.now())).toBe('fresh');
    return s;
  }

  /** Time passes with the channel healthy: the database keeps confirming delivery every 5 s. */
  async function passHealthy(s: Awaited<ReturnType<typeof current>>, ms: number) {
    for (let left = ms; left > 0; left -= 5_000) {
      s.advance(Math.min(5_000, left));
      await s.caughtUp();
    }
  }

  it('a change whose load hangs: stale once it has waited longer than the bound, with the reason; fresh once it lands', async () => {
    const secret = secretFormat.generate();
    const records = new Map([['key_1', aRecord(secret, { id: 'key_1' })]]);
    const s = await current(records);
    records.set('key_1', aRecord(secret, { id: 'key_1', status: 'revoked' }));
    s.events().onKeysChanged(['key_1'], 'changed');
    await passHealthy(s, 30_000);
    expect(s.sync.freshness(s.now())).toBe('fresh');
    await passHealthy(s, 1);
    expect(s.sync.freshness(s.now())).toBe('stale');
    expect(s.sync.status(s.now())).toMatchObject({
      freshness: 'stale',
      reason: expect.stringContaining('applying 1 key change'),
    });
    await s.release();
    expect(decider.decide(s.sync.current() as KeyIndex, secret, 'GET', '/v1/users', new Date())).toMatchObject({
      status: 401,
      reason: 'revoked',
    });
    // Confirmations received while the load ran were only waiting for it.
    expect(s.sync.freshness(s.now())).toBe('fresh');
  });

  it('says so in the log when it turns stale, with the reason, and when it is current again (once each)', async () => {
    const logs = captureLogs('info');
    const s = scriptedSync(new Map([['key_1', aRecord(secretFormat.generate(), { id: 'key_1' })]]), {
      logger: logs.logger,
    });
    s.events().onConnected();
    await s.release();
    await s.caughtUp();
    s.events().onKeysChanged(['key_1'], 'changed');
    s.advance(30_001);
    for (let i = 0; i < 3; i++) expect(s.sync.freshness(s.now())).toBe('stale');
    await s.release();
    await s.caughtUp();
    expect(s.sync.freshness(s.now())).toBe('fresh');
    const lines = logs.lines.map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string });
    expect(lines.filter((l) => l.msg.startsWith('authz index not proven current'))).toEqual([
      expect.objectContaining({ level: 40, reason: expect.stringContaining('applying 1 key change') }),
    ]);
    expect(lines.filter((l) => l.msg === 'authz index current again')).toHaveLength(1);
  });

  it('a full reload that never completes (after a reconnect): stale after the bound, the reason says so', async () => {
    const s = await current();
    s.events().onDisconnected(new Error('reset'));
    s.events().onConnected();
    await passHealthy(s, 30_001);
    expect(s.sync.status(s.now())).toMatchObject({
      freshness: 'stale',
      reason: expect.stringContaining('full reload'),
    });
    await s.release();
    expect(s.sync.freshness(s.now())).toBe('fresh');
  });

  it('the channel says it is connected but nothing confirms delivery (hung connection, backlog): stale', async () => {
    const s = await current();
    s.advance(30_001);
    expect(s.sync.status(s.now())).toMatchObject({
      freshness: 'stale',
      reason: expect.stringContaining('no confirmation'),
    });
    await s.caughtUp();
    expect(s.sync.freshness(s.now())).toBe('fresh');
  });

  it('a confirmation counts only for changes received before it: a backlog behind it keeps the index stale', async () => {
    const s = await current(new Map(), { maxStalenessMs: 1_000 });
    s.events().onKeysChanged(['key_1'], 'changed');
    s.advance(2_000);
    await s.caughtUp();
    expect(s.sync.freshness(s.now())).toBe('stale');
    await s.release();
    expect(s.sync.freshness(s.now())).toBe('fresh');
  });

  it('new keys still loading (an import) hold nothing back; a change to an existing key behind them does', async () => {
    const secret = secretFormat.generate();
    const records = new Map([['key_1', aRecord(secret, { id: 'key_1' })]]);
    const s = await current(records, { maxStalenessMs: 1_000 });
    s.events().onKeysChanged(
      Array.from({ length: 400 }, (_, i) => `key_new${i}`),
      'added',
    );
    s.advance(2_000);
    await s.caughtUp();
    expect(s.sync.freshness(s.now())).toBe('fresh');
    // A writer that marks an existing key as new is not trusted: the instance holds it, so it is a change.
    s.events().onKeysChanged(['key_1'], 'added');
    s.advance(2_000);
    await s.caughtUp();
    expect(s.sync.status(s.now())).toMatchObject({
      freshness: 'stale',
      reason: expect.stringContaining('applying 400 key changes'),
    });
    while (s.waiting() > 0) await s.release();
    await s.caughtUp();
    expect(s.sync.freshness(s.now())).toBe('fresh');
  });

  it('a load that never answers is abandoned after the load timeout and retried', async () => {
    const secret = secretFormat.generate();
    const records = new Map([['key_1', aRecord(secret, { id: 'key_1' })]]);
    const s = await current(records, { loadTimeoutMs: 20 });
    records.set('key_1', aRecord(secret, { id: 'key_1', status: 'revoked' }));
    s.events().onKeysChanged(['key_1'], 'changed');
    // The first attempt never answers; the retry does.
    while (s.calls.filter((c) => c.kind === 'some').length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await s.release(); // the abandoned first attempt: its answer is ignored
    await s.release();
    await s.caughtUp();
    expect(decider.decide(s.sync.current() as KeyIndex, secret, 'GET', '/v1/users', new Date())).toMatchObject({
      status: 401,
      reason: 'revoked',
    });
    expect(s.sync.freshness(s.now())).toBe('fresh');
  });

  it('a bulk import is applied incrementally by id, in bounded batches, and a single-key change jumps ahead of it', async () => {
    const s = await current();
    const imported = Array.from({ length: 50_000 }, (_, i) => `key_imp${i}`);
    for (let i = 0; i < imported.length; i += 400) s.events().onKeysChanged(imported.slice(i, i + 400), 'added');
    s.events().onKeysChanged(['key_revoked'], 'changed');
    while (s.waiting() > 0) await s.release();
    const loads = s.calls.slice(1);
    expect(loads.every((c) => c.kind === 'some')).toBe(true);
    const batches = loads.map((c) => (c.kind === 'some' ? c.ids : []));
    expect(Math.max(...batches.map((ids) => ids.length))).toBeLessThanOrEqual(5_000);
    // The first batch was taken before the revocation arrived; the revocation is in the second.
    expect(batches.findIndex((ids) => ids.includes('key_revoked'))).toBeLessThanOrEqual(1);
    expect(new Set(batches.flat())).toEqual(new Set([...imported, 'key_revoked']));
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

  it('merges counts recorded while a failing write was under way with the ones it puts back', async () => {
    const written: UsageBatch[] = [];
    let failWrite: (error: Error) => void = () => {};
    let calls = 0;
    const recorder = createUsageRecorder({
      write(batch) {
        calls++;
        if (calls === 1) return new Promise((_, reject) => (failWrite = reject));
        written.push(batch);
        return Promise.resolve();
      },
    });
    const at = Date.parse('2026-03-01T10:00:00Z');
    recorder.record('key_a', 'GET /v1/users', true, at);
    recorder.record('key_b', 'GET /v1/users', false, at + 5000);
    const failing = recorder.flush();
    await new Promise((resolve) => setImmediate(resolve));
    // While the first write hangs: key_a again (later), and a key it did not hold.
    recorder.record('key_a', 'GET /v1/users', true, at + 60_000);
    recorder.record('key_a', 'POST /v1/users', false, at + 61_000);
    recorder.record('key_c', '-', false, at + 1000);
    failWrite(new Error('database down'));
    await expect(failing).rejects.toThrow('database down');
    recorder.record('key_b', 'GET /v1/users', true, at + 2000);
    await recorder.flush();
    const batch = written[0] as UsageBatch;
    expect(batch.counts.sort((x, y) => (x.keyId + x.endpointId).localeCompare(y.keyId + y.endpointId))).toEqual([
      { keyId: 'key_a', endpointId: 'GET /v1/users', day: '2026-03-01', allowed: 2, denied: 0 },
      { keyId: 'key_a', endpointId: 'POST /v1/users', day: '2026-03-01', allowed: 0, denied: 1 },
      { keyId: 'key_b', endpointId: 'GET /v1/users', day: '2026-03-01', allowed: 1, denied: 1 },
      { keyId: 'key_c', endpointId: '-', day: '2026-03-01', allowed: 0, denied: 1 },
    ]);
    const lastUsed = Object.fromEntries(batch.lastUsed.map((u) => [u.keyId, u.at.getTime() - at]));
    // Last use is the latest time seen, whether it was put back or recorded during or after the failed write.
    expect(lastUsed).toEqual({ key_a: 61_000, key_b: 5000, key_c: 1000 });
  });
});
