import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertClaimStore } from '../../src/db/alert-claim-store.ts';
import { createDbClient, type DbClient } from '../../src/db/client.ts';
import type { AlertContext } from '../../src/slack/alerts/alert-sweeps.ts';
import { sendOnce } from '../../src/slack/alerts/alert-sweeps.ts';
import type { AlertMessage, AlertPoster } from '../../src/slack/alerts/alert-poster.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
let first: DbClient;
let second: DbClient;

beforeAll(async () => {
  database = await createTestDatabase();
  // Two clients with their own connections: two instances of the service sharing one database.
  first = createDbClient(database.url);
  second = createDbClient(database.url);
});

afterAll(async () => {
  await first?.close();
  await second?.close();
  await database?.drop();
});

/** An instance's alert context: its own claims over its own connection, posting into `sent` (or failing). */
function instance(client: DbClient, sent: AlertMessage[], fail = false): Pick<AlertContext, 'claims' | 'poster'> {
  const poster: AlertPoster = {
    channel: 'C0ALERTS',
    post: async (message) => {
      if (fail) return false;
      sent.push(message);
      return true;
    },
  };
  return { claims: createAlertClaimStore(client.sql), poster };
}

const message = (text: string): AlertMessage => ({ text, blocks: [] });

describe('alert claims', () => {
  it('lets exactly one of two instances claim the same alert at the same moment', async () => {
    const a = createAlertClaimStore(first.sql);
    const b = createAlertClaimStore(second.sql);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).claim('expiry:k1:2026-12-09T00:00:00.000Z:7d')),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('sends an alert once across two instances sweeping together and after a restart', async () => {
    const sent: AlertMessage[] = [];
    const together = await Promise.all([
      sendOnce(instance(first, sent), 'expiry:k2:7d', () => message('k2 expires in 7 days')),
      sendOnce(instance(second, sent), 'expiry:k2:7d', () => message('k2 expires in 7 days')),
    ]);
    expect(together.sort()).toEqual(['claimed', 'sent']);
    // A restarted instance (a fresh client) finds the claim in the database.
    const restarted = createDbClient(database.url);
    try {
      await sendOnce(instance(restarted, sent), 'expiry:k2:7d', () => message('k2 expires in 7 days'));
    } finally {
      await restarted.close();
    }
    expect(sent.map((m) => m.text)).toEqual(['k2 expires in 7 days']);
  });

  it('gives the claim back when posting fails, so the next sweep sends it', async () => {
    const sent: AlertMessage[] = [];
    const failed = await sendOnce(instance(first, sent, true), 'expiry:k3:1d', () => message('k3 expires tomorrow'));
    const retried = await sendOnce(instance(second, sent), 'expiry:k3:1d', () => message('k3 expires tomorrow'));
    expect({ failed, retried, sent: sent.map((m) => m.text) }).toEqual({
      failed: 'failed',
      retried: 'sent',
      sent: ['k3 expires tomorrow'],
    });
  });

  it('gives the claim back when building the message throws', async () => {
    const sent: AlertMessage[] = [];
    await expect(
      sendOnce(instance(first, sent), 'expiry:k4:1d', () => {
        throw new Error('key vanished');
      }),
    ).rejects.toThrow('key vanished');
    expect(await createAlertClaimStore(second.sql).claim('expiry:k4:1d')).toBe(true);
  });
});
