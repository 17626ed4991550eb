import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttentionReader } from '../../src/db/attention-store.ts';
import { createUsageSink } from '../../src/db/usage-store.ts';
import { createAttentionService } from '../../src/keys/attention.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt?.dispose();
});

async function usage(keyId: string, endpointId: string, day: string, denied: number): Promise<void> {
  await createUsageSink(rt.db.sql).write({ counts: [{ keyId, endpointId, day, allowed: 0, denied }], lastUsed: [] });
}

/** An edit's audit row written as the key service writes it, at a chosen time (rows are append-only, not fixed). */
async function editAt(keyId: string, version: number, at: string, removed: string[]): Promise<void> {
  await rt.db.sql`
    insert into audit_events (at, actor, action, key_id, after, details)
    values (${at}::timestamptz, 'U0EDITOR', 'key.edited', ${keyId},
            ${JSON.stringify({ version })}::jsonb, ${JSON.stringify({ added: [], removed })}::jsonb)`;
}

/** The attention service as compose builds it, at a chosen moment. */
function attentionAt(now: string) {
  return createAttentionService({
    reader: createAttentionReader(rt.db.sql),
    keys: rt.keys,
    deliveries: { unconfirmed: async () => [] },
    policy: { deniedBurst: 20, unusedKeyDays: 90, lateMs: 70_000 },
    now: () => new Date(now),
  });
}

describe('denials after a removal, from per-day counts', () => {
  it('adds the next day when the 10 minutes cross midnight UTC, less the snapshot taken at the edit', async () => {
    const { key } = await rt.keys.create({ actor: 'cli:test', description: 'Midnight', grants: ['GET /v1/jobs'] });
    await usage(key.id, 'GET /v1/users', '2026-03-01', 30);
    await usage(key.id, 'GET /v1/users', '2026-03-02', 12);
    await rt.db.sql`
      insert into denial_baselines (key_id, key_version, endpoint_id, day, denied)
      values (${key.id}, 7, 'GET /v1/users', '2026-03-01', 25)`;
    await editAt(key.id, 7, '2026-03-01T23:55:00Z', ['GET /v1/users']);
    const [found] = (await createAttentionReader(rt.db.sql).removalDenials(new Date('2026-03-01T23:50:00Z'))).filter(
      (r) => r.keyId === key.id,
    );
    // 30 − 25 on the edit's day, and the 12 of the next day.
    expect(found).toMatchObject({ endpointId: 'GET /v1/users', actor: 'U0EDITOR', denied: 17 });
  });

  it('looks at an edit for 10 minutes plus the flush and sweep delay, and not after', async () => {
    const { key } = await rt.keys.create({ actor: 'cli:test', description: 'Window', grants: ['GET /v1/jobs'] });
    await usage(key.id, 'GET /v1/users', '2026-04-10', 40);
    await editAt(key.id, 3, '2026-04-10T12:00:00Z', ['GET /v1/users']);
    const bursts = async (now: string) =>
      (await attentionAt(now).denialBursts()).filter((b) => b.keyId === key.id).map((b) => b.denied);
    expect(await bursts('2026-04-10T12:05:00Z')).toEqual([40]);
    expect(await bursts('2026-04-10T12:11:05Z')).toEqual([40]);
    expect(await bursts('2026-04-10T12:11:15Z')).toEqual([]);
  });

  it('snapshots the day’s denials of each removed endpoint when the key service edits', async () => {
    const { key } = await rt.keys.create({
      actor: 'cli:test',
      description: 'Snapshot',
      grants: ['GET /v1/users', 'GET /v1/jobs', 'GET /v1/offices'],
    });
    const today = new Date().toISOString().slice(0, 10);
    await usage(key.id, 'GET /v1/users', today, 4);
    const { key: after } = await rt.keys.edit(key.id, { actor: 'cli:test', remove: ['GET /v1/users', 'GET /v1/jobs'] });
    const rows = await rt.db.sql<{ endpoint_id: string; denied: string; key_version: number }[]>`
      select endpoint_id, denied, key_version from denial_baselines where key_id = ${key.id} order by endpoint_id`;
    expect(rows.map((r) => [r.endpoint_id, Number(r.denied), r.key_version])).toEqual([
      ['GET /v1/jobs', 0, after.version],
      ['GET /v1/users', 4, after.version],
    ]);
  });
});

describe('keys nobody uses', () => {
  it('lists idle keys that still work, longest idle first, with the total beyond the limit', async () => {
    const made = [];
    for (const days of [120, 95, 200]) {
      const { key } = await rt.keys.create({
        actor: 'cli:test',
        description: `Idle ${days}`,
        grants: ['GET /v1/users'],
      });
      await rt.db.sql`update api_keys set last_used_at = now() - ${`${days} days`}::interval where id = ${key.id}`;
      made.push(key);
    }
    const { key: stopping } = await rt.keys.create({ actor: 'cli:test', description: 'Expired', grants: [] });
    await rt.db
      .sql`update api_keys set last_used_at = now() - interval '300 days', expires_at = now() - interval '1 day' where id = ${stopping.id}`;
    const attention = await attentionAt(new Date().toISOString()).needsAttention(2);
    const ours = new Set(made.map((k) => k.id));
    expect(attention.idle.items.filter((k) => ours.has(k.id)).map((k) => k.description)).toEqual([
      'Idle 200',
      'Idle 120',
    ]);
    expect(attention.idle.total).toBeGreaterThanOrEqual(3);
    expect(attention.idle.items.map((k) => k.id)).not.toContain(stopping.id);
  });
});
