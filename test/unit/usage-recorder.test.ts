import { describe, expect, it } from 'vitest';
import type { UsageBatch } from '../../src/authz/ports.ts';
import { createUsageRecorder } from '../../src/authz/usage-recorder.ts';

const day = Date.parse('2026-05-04T10:00:00Z');

function collecting() {
  const written: UsageBatch[] = [];
  let failing = false;
  return {
    written,
    fail: (value: boolean) => {
      failing = value;
    },
    sink: {
      async write(batch: UsageBatch) {
        if (failing) throw new Error('database down');
        written.push(batch);
      },
    },
  };
}

describe('the usage recorder', () => {
  it('puts back only what a failed flush had not written yet', async () => {
    const written: UsageBatch[] = [];
    let writes = 0;
    const recorder = createUsageRecorder({
      async write(batch) {
        writes++;
        // The second chunk fails: the first is in the database, the rest must come again, and only the rest.
        if (writes === 2) throw new Error('connection lost');
        written.push(batch);
      },
    });
    for (let k = 0; k < 30_000; k++) recorder.record(`key_${k}`, 'GET /v1/users', true, day);
    await expect(recorder.flush()).rejects.toThrow('connection lost');
    expect(written.map((b) => b.counts.length)).toEqual([25_000]);
    expect(recorder.stats().pending).toBe(5_000);
    await recorder.flush();
    const keys = written.flatMap((b) => b.counts.map((c) => c.keyId));
    expect(keys).toHaveLength(30_000);
    expect(new Set(keys).size).toBe(30_000);
    expect(written.flatMap((b) => b.lastUsed)).toHaveLength(30_000);
  });

  it('counts every key × endpoint exactly, however many there are (the table grows), written in chunks', async () => {
    const out = collecting();
    const recorder = createUsageRecorder(out.sink);
    for (let k = 0; k < 3000; k++)
      for (let e = 0; e < 50; e++) recorder.record(`key_${k}`, `GET /v1/e${e}`, (k + e) % 3 !== 0, day + k);
    recorder.record('key_0', 'GET /v1/e0', true, day + 5000);
    await recorder.flush();
    expect(out.written.map((b) => b.counts.length)).toEqual([25_000, 25_000, 25_000, 25_000, 25_000, 25_000]);
    const counts = out.written.flatMap((b) => b.counts);
    expect(new Set(counts.map((c) => `${c.keyId} ${c.endpointId}`)).size).toBe(150_000);
    expect(counts.find((c) => c.keyId === 'key_0' && c.endpointId === 'GET /v1/e0')).toEqual({
      keyId: 'key_0',
      endpointId: 'GET /v1/e0',
      day: '2026-05-04',
      allowed: 1,
      denied: 1,
    });
    expect(counts.reduce((n, c) => n + c.allowed + c.denied, 0)).toBe(150_001);
    expect(out.written[0]?.lastUsed).toHaveLength(3000);
    expect(out.written[0]?.lastUsed.find((u) => u.keyId === 'key_0')?.at.getTime()).toBe(day + 5000);
    // Last-used times go with the first chunk only.
    expect(out.written.slice(1).every((b) => b.lastUsed.length === 0)).toBe(true);
    // Taken: the next flush writes nothing.
    await recorder.flush();
    expect(out.written).toHaveLength(6);
    expect(recorder.stats()).toEqual({ pending: 0, dropped: 0 });
  });

  it('keeps at most maxPending counts through an outage: new combinations are dropped, existing ones still count', async () => {
    const out = collecting();
    const recorder = createUsageRecorder(out.sink, { maxPending: 4 });
    out.fail(true);
    for (let k = 0; k < 6; k++) recorder.record(`key_${k}`, 'GET /v1/users', true, day);
    await expect(recorder.flush()).rejects.toThrow('database down');
    expect(recorder.stats()).toEqual({ pending: 4, dropped: 2 });
    recorder.record('key_0', 'GET /v1/users', false, day + 1);
    recorder.record('key_9', 'GET /v1/users', true, day + 1);
    out.fail(false);
    await recorder.flush();
    const counts = out.written[0]?.counts ?? [];
    expect(counts.map((c) => c.keyId).sort()).toEqual(['key_0', 'key_1', 'key_2', 'key_3']);
    expect(counts.find((c) => c.keyId === 'key_0')).toMatchObject({ allowed: 1, denied: 1 });
    // Last-used times are kept for every key, counted or not.
    expect(out.written[0]?.lastUsed.map((u) => u.keyId).sort()).toContain('key_9');
    expect(recorder.stats()).toEqual({ pending: 0, dropped: 3 });
  });
});
