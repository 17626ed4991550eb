import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApprovalService } from '../../src/approvals/approval-service.ts';
import { createWebhookDelivery } from '../../src/compose.ts';
import { createDbClient } from '../../src/db/client.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { createMetrics, type Metrics, renderMetrics } from '../../src/observability/metrics.ts';
import type { WebhookDelivererOptions } from '../../src/webhooks/deliverer.ts';
import { anAdmin } from '../fixtures/actors.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { type ServerProcess, startServer } from '../helpers/processes.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';
import { recordEvidence } from '../helpers/secret-canary.ts';
import { createWebhookReceiver, verifyStandardWebhook } from '../helpers/webhook-receiver.ts';

const HOUR = 60 * 60_000;
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
/** The real schedule's shape (doubling, capped, 24 h window) with waits short enough for a test. */
const FAST_RETRIES = { firstDelayMs: 30, maxDelayMs: 200, giveUpAfterMs: 24 * HOUR };

const receiver = createWebhookReceiver();
let rt: TestRuntime;
const running: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  rt = await createTestRuntime({ env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET } });
});
afterEach(async () => {
  for (const instance of running.splice(0)) await instance.stop();
});
afterAll(async () => {
  recordEvidence('webhook requests', JSON.stringify(receiver.requests));
  await receiver.stop();
  await rt.dispose();
});

/** One service instance's deliverer, with a connection pool of its own, as a second process would have. */
async function startInstance(
  options: {
    logger?: Logger;
    metrics?: Metrics;
    timeoutMs?: number;
    tuning?: Partial<Omit<WebhookDelivererOptions, 'outbox' | 'sender' | 'logger'>>;
  } = {},
) {
  const client = createDbClient(rt.database.url, { max: 3 });
  const deliverer = await createWebhookDelivery(
    rt.config.webhooks as NonNullable<typeof rt.config.webhooks>,
    client,
    options.logger ?? createLogger('silent'),
    {
      metrics: options.metrics,
      timeoutMs: options.timeoutMs ?? 5_000,
      tuning: { pollMs: 20, policy: FAST_RETRIES, ...options.tuning },
    },
  );
  deliverer.start();
  const instance = {
    async stop() {
      await deliverer.stop();
      await client.close();
    },
  };
  running.push(instance);
  return instance;
}

interface OutboxRow {
  id: string;
  message_id: string;
  event_type: string;
  ordering_key: string;
  body: string;
  attempts: number;
  last_error: string | null;
  delivered_at: Date | null;
  dead_at: Date | null;
}

const outbox = async (): Promise<OutboxRow[]> =>
  (await rt.db.sql`select * from webhook_outbox order by id`) as unknown as OutboxRow[];
const messagesOf = async (keyId: string) => (await outbox()).filter((m) => m.ordering_key === `key:${keyId}`);

async function drained(): Promise<void> {
  await vi.waitFor(
    async () => {
      const [row] = await rt.db.sql`
        select count(*)::int as n from webhook_outbox where delivered_at is null and dead_at is null`;
      expect(row?.n).toBe(0);
    },
    { timeout: 60_000, interval: 50 },
  );
}

const deliveredIds = () => receiver.delivered().map((r) => r.headers['webhook-id']);
const dataOf = (body: string) => (JSON.parse(body) as { data: { keyId?: string } }).data;

describe('webhooks: the outbox', { timeout: 120_000 }, () => {
  it('gets a message with each key, partner and approval event, none for a role change', async () => {
    const actor = anAdmin();
    const before = (await outbox()).length;
    const partner = await rt.partners.create({ actor, name: 'Webhook Partner' });
    const { key, secret } = await rt.keys.create({ actor, description: 'Hooked', partner: partner.name });
    await rt.keys.edit(key.id, { actor, description: 'Hooked, renamed' });
    await rt.roles.grant('U0HOOKED01', 'approver', actor);
    const written = (await outbox()).slice(before);
    expect(written.map((m) => [m.event_type, m.ordering_key])).toEqual([
      ['partner.created', `partner:${partner.id}`],
      ['key.created', `key:${key.id}`],
      ['key.updated', `key:${key.id}`],
    ]);
    const updated = JSON.parse(written[2]?.body ?? '');
    expect(updated).toMatchObject({
      type: 'key.updated',
      data: {
        actor,
        keyId: key.id,
        partnerId: partner.id,
        before: { description: 'Hooked' },
        after: { description: 'Hooked, renamed' },
      },
    });
    expect(new Date(updated.timestamp).toISOString()).toBe(updated.timestamp);
    expect(written.every((m) => m.attempts === 0 && m.delivered_at === null)).toBe(true);
    expect(JSON.stringify(written)).not.toContain(secret);
  });

  it('follows a held create through the approval flow, by request and then by key, without the revealed secret', async () => {
    const approvals = createApprovalService({
      store: rt.store,
      keys: rt.keys,
      policy: {
        requiredFor: new Set(['create']),
        approvalsRequired: 1,
        channel: 'C0APPROVALS',
        ttlHours: 24,
        revealTtlHours: 24,
      },
    });
    await rt.roles.grant('U0HOOKAPPR', 'approver', 'test');
    const requester = anAdmin();
    const before = (await outbox()).length;
    const request = await approvals.requestCreate({ actor: requester, description: 'Held', grants: ['GET /v1/users'] });
    const decided = await approvals.decide(request.id, { approver: 'U0HOOKAPPR', decision: 'approve' });
    const revealId = decided.outcome === 'executed' ? decided.reveal?.id : undefined;
    const { issued } = await approvals.reveal(revealId as string, requester);
    const written = (await outbox()).slice(before);
    const byOrder = (orderingKey: string) =>
      written.filter((m) => m.ordering_key === orderingKey).map((m) => m.event_type);
    expect(byOrder(`approval:${request.id}`)).toEqual(['approval.requested', 'approval.decided', 'approval.executed']);
    expect(byOrder(`key:${issued.key.id}`)).toEqual(['key.created', 'approval.revealed']);
    expect(JSON.stringify(written)).not.toContain(issued.secret);
  });

  it('is written in the change’s own transaction: no message, no change', async () => {
    const { key } = await rt.keys.create({ actor: anAdmin(), description: 'Atomic' });
    await rt.db.sql`alter table webhook_outbox add constraint no_revokes check (event_type <> 'key.revoked') not valid`;
    try {
      await expect(rt.keys.revoke(key.id, { actor: anAdmin() })).rejects.toThrow();
    } finally {
      await rt.db.sql`alter table webhook_outbox drop constraint no_revokes`;
    }
    expect((await rt.keys.get(key.id))?.status).toBe('active');
    expect((await rt.store.audit.list({ keyId: key.id })).map((e) => e.action)).toEqual(['key.created']);
    expect((await messagesOf(key.id)).map((m) => m.event_type)).toEqual(['key.created']);
  });

  it('gets one message per imported key, in the import’s transaction', async () => {
    const before = (await outbox()).length;
    const legacy = (n: number) => `0123456789abcdef0123456789ab${String(n).padStart(4, '0')}`;
    await rt.importKeys(
      Buffer.from(
        `key,description,partner,created_at\n${legacy(1)},Old A,,2016-01-01\n${legacy(2)},Old B,,2016-01-01\n`,
      ),
      anAdmin(),
    );
    const written = (await outbox()).slice(before);
    expect(written.map((m) => m.event_type)).toEqual(['key.imported', 'key.imported']);
    expect(written.map((m) => JSON.parse(m.body).data.after.description)).toEqual(['Old A', 'Old B']);
  });

  it('stays empty, and no deliverer exists, without WEBHOOK_URL', async () => {
    const plain = await createTestRuntime();
    try {
      await plain.keys.create({ actor: anAdmin(), description: 'Unhooked' });
      const [row] = await plain.db.sql`select count(*)::int as n from webhook_outbox`;
      expect(row?.n).toBe(0);
      expect((await plain.serverParts()).webhooks).toBeUndefined();
    } finally {
      await plain.dispose();
    }
    expect((await rt.serverParts()).webhooks).toBeDefined();
  });
});

describe('webhooks: delivery', { timeout: 120_000 }, () => {
  it('sends every message, signed as a Standard Webhooks consumer checks it, once a down receiver is up, and again after it restarts', async () => {
    const metrics = createMetrics();
    await startInstance({ metrics });
    const { key, secret } = await rt.keys.create({ actor: anAdmin(), description: 'Outage' });
    // Down: nothing listens on the receiver's port.
    await vi.waitFor(
      async () => {
        const [created] = await messagesOf(key.id);
        expect(created?.attempts).toBeGreaterThanOrEqual(2);
        expect(created?.last_error).toBe('ECONNREFUSED');
      },
      { timeout: 60_000, interval: 20 },
    );
    const during = (await renderMetrics(metrics)).body;
    expect(during).toMatch(/^harvest_keys_webhook_pending [1-9]/m);
    expect(during).toMatch(
      /^harvest_keys_webhook_oldest_pending_seconds 0\.\d*[1-9]|^harvest_keys_webhook_oldest_pending_seconds [1-9]/m,
    );
    expect(during).toMatch(/^harvest_keys_webhook_attempts_total\{outcome="failed"\} [1-9]/m);

    await receiver.start();
    await drained();
    const stored = await outbox();
    expect(new Set(deliveredIds())).toEqual(new Set(stored.map((m) => m.message_id)));
    for (const request of receiver.delivered()) {
      const payload = verifyStandardWebhook(SECRET, request.headers, request.body);
      const row = stored.find((m) => m.message_id === request.headers['webhook-id']);
      expect(request.body).toBe(row?.body);
      expect(payload.type).toBe(row?.event_type);
    }
    expect(
      verifyStandardWebhook.bind(
        null,
        `whsec_${randomBytes(32).toString('base64')}`,
        receiver.delivered()[0]?.headers ?? {},
        receiver.delivered()[0]?.body ?? '',
      ),
    ).toThrow('no signature matches');
    expect((await renderMetrics(metrics)).body).toMatch(/^harvest_keys_webhook_pending 0$/m);

    // Restarted: down again while the key is revoked, then up.
    await receiver.stop();
    await rt.keys.revoke(key.id, { actor: anAdmin(), reason: 'rotated' });
    await vi.waitFor(async () => expect((await messagesOf(key.id))[1]?.last_error).toBe('ECONNREFUSED'), {
      timeout: 60_000,
      interval: 20,
    });
    await receiver.start();
    await drained();
    const revoked = receiver.delivered().filter((r) => dataOf(r.body).keyId === key.id);
    expect(revoked.map((r) => verifyStandardWebhook(SECRET, r.headers, r.body).type)).toEqual([
      'key.created',
      'key.revoked',
    ]);
    for (const request of receiver.requests) {
      expect(request.body).not.toContain(secret);
      expect(JSON.stringify(request.headers)).not.toContain(SECRET.slice('whsec_'.length));
    }
  });

  it('loses nothing over a service restart: what one instance left and what was written meanwhile, the next sends', async () => {
    receiver.answer(() => 503);
    const first = await startInstance();
    const { key } = await rt.keys.create({ actor: anAdmin(), description: 'Restart' });
    await vi.waitFor(async () => expect((await messagesOf(key.id))[0]?.last_error).toBe('HTTP 503'), {
      timeout: 60_000,
      interval: 20,
    });
    await first.stop();
    // Written while no instance runs (a CLI change, say).
    await rt.keys.edit(key.id, { actor: anAdmin(), description: 'Restart, renamed' });
    receiver.answer(() => 204);
    await startInstance();
    await drained();
    const sent = receiver.delivered().filter((r) => dataOf(r.body).keyId === key.id);
    expect(sent.map((r) => verifyStandardWebhook(SECRET, r.headers, r.body).type)).toEqual([
      'key.created',
      'key.updated',
    ]);
    // The id a receiver deduplicates on is the same on the failed attempts and the one that succeeded.
    const attemptsOfCreated = receiver.requests.filter(
      (r) => r.headers['webhook-id'] === sent[0]?.headers['webhook-id'],
    );
    expect(attemptsOfCreated.map((r) => r.status)).toContain(503);
    expect(attemptsOfCreated.at(-1)?.status).toBe(204);
  });

  it('sends each message once from two instances sharing the database, each key in order, a failing message holding back its key', async () => {
    const actor = anAdmin();
    const keys = [];
    for (let k = 0; k < 10; k++) {
      const { key } = await rt.keys.create({ actor, description: `Ordered ${k}` });
      for (let v = 1; v <= 4; v++) await rt.keys.edit(key.id, { actor, description: `Ordered ${k} v${v}` });
      keys.push(key);
    }
    const held = keys[0]?.id as string;
    let failedOnce = false;
    receiver.answer(({ body }) => {
      const { type } = JSON.parse(body);
      if (!failedOnce && type === 'key.created' && dataOf(body).keyId === held) {
        failedOnce = true;
        return 500;
      }
      return 204;
    });
    const requestsBefore = receiver.requests.length;
    const attempts = { a: 0, b: 0 };
    await startInstance({ tuning: { onAttempt: () => attempts.a++, batchSize: 4 } });
    await startInstance({ tuning: { onAttempt: () => attempts.b++, batchSize: 4 } });
    await drained();
    receiver.answer(() => 204);

    const seen = receiver.requests.slice(requestsBefore);
    const ids = seen.filter((r) => r.status === 204).map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
    // 50 delivered and the one planned failure: no attempt was made twice by the two instances.
    expect(attempts.a + attempts.b).toBe(51);
    for (const key of keys) {
      const stored = (await messagesOf(key.id)).map((m) => m.message_id);
      const arrived = seen.filter((r) => dataOf(r.body).keyId === key.id).map((r) => r.headers['webhook-id']);
      // The held key's first message is tried twice, and nothing of that key goes out in between.
      expect(arrived).toEqual(key.id === held ? [stored[0], ...stored] : stored);
    }
  });

  it('bounds an attempt by its timeout, and never makes a change wait for delivery', async () => {
    receiver.answer(() => 'hang');
    await startInstance({ timeoutMs: 300 });
    const { key } = await rt.keys.create({ actor: anAdmin(), description: 'Hanging receiver' });
    await vi.waitFor(() => expect(receiver.hangingCount()).toBeGreaterThan(0), { timeout: 60_000, interval: 20 });
    // The receiver holds the request open; the change commits regardless.
    await rt.keys.revoke(key.id, { actor: anAdmin() });
    expect((await rt.keys.get(key.id))?.status).toBe('revoked');
    await vi.waitFor(async () => expect((await messagesOf(key.id))[0]?.last_error).toBe('no answer within 300 ms'), {
      timeout: 60_000,
      interval: 20,
    });
    receiver.answer(() => 204);
    await drained();
    expect((await messagesOf(key.id)).every((m) => m.delivered_at !== null)).toBe(true);
  });

  it('marks a message dead after 24 hours of failures, logs and counts it, and then sends its key’s next message', async () => {
    const { key } = await rt.keys.create({ actor: anAdmin(), description: 'Doomed' });
    await rt.keys.edit(key.id, { actor: anAdmin(), description: 'Doomed, renamed' });
    receiver.answer(({ body }) =>
      JSON.parse(body).type === 'key.created' && dataOf(body).keyId === key.id ? 500 : 204,
    );
    let offset = 0;
    const metrics = createMetrics();
    const logs = captureLogs('info');
    await startInstance({ metrics, logger: logs.logger, tuning: { clock: () => new Date(Date.now() + offset) } });
    await vi.waitFor(
      async () => {
        const [created, updated] = await messagesOf(key.id);
        expect(created?.last_error).toBe('HTTP 500');
        expect(updated?.attempts).toBe(0);
      },
      { timeout: 60_000, interval: 20 },
    );
    offset = 25 * HOUR;
    await drained();
    const [created, updated] = await messagesOf(key.id);
    expect(created?.dead_at).not.toBeNull();
    expect(created?.delivered_at).toBeNull();
    expect(updated?.delivered_at).not.toBeNull();
    const text = (await renderMetrics(metrics)).body;
    expect(text).toMatch(/^harvest_keys_webhook_dead 1$/m);
    expect(text).toMatch(/^harvest_keys_webhook_attempts_total\{outcome="dead"\} 1$/m);
    expect(logs.text()).toContain('marked dead');
    expect(logs.text()).toContain(created?.message_id);
    expect(logs.text()).not.toContain(SECRET.slice('whsec_'.length));
    receiver.answer(() => 204);
  });
});

describe('webhooks: the server', { timeout: 120_000 }, () => {
  it('sends what a CLI run wrote, shows its backlog on /metrics, and after a restart sends what waited', async () => {
    const env = {
      DATABASE_URL: rt.database.url,
      KEY_PEPPER: TEST_PEPPER,
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: SECRET,
    };
    const created = await runCli(['create', '--description', 'From the CLI', '--json'], { ...env, LOG_LEVEL: 'warn' });
    expect(created.code).toBe(0);
    const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };
    const sentFor = (type: string) =>
      receiver.delivered().filter((r) => dataOf(r.body).keyId === id && JSON.parse(r.body).type === type);
    const metricsOf = async (server: ServerProcess) => (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    const servers: ServerProcess[] = [];
    try {
      const first = await startServer({ ...env, LOG_LEVEL: 'info' });
      servers.push(first);
      expect(first.output()).toContain('webhooks on');
      await vi.waitFor(() => expect(sentFor('key.created')).toHaveLength(1), { timeout: 60_000, interval: 50 });
      verifyStandardWebhook(SECRET, sentFor('key.created')[0]?.headers ?? {}, sentFor('key.created')[0]?.body ?? '');

      receiver.answer(() => 503);
      expect((await runCli(['revoke', id, '--reason', 'rotated'], { ...env, LOG_LEVEL: 'warn' })).code).toBe(0);
      await vi.waitFor(
        async () => {
          const text = await metricsOf(first);
          expect(text).toMatch(/^harvest_keys_webhook_pending 1$/m);
          expect(text).toMatch(/^harvest_keys_webhook_attempts_total\{outcome="failed"\} [1-9]/m);
        },
        { timeout: 60_000, interval: 100 },
      );
      expect(await first.stop()).toBe(0);

      receiver.answer(() => 204);
      const second = await startServer(env);
      servers.push(second);
      await vi.waitFor(() => expect(sentFor('key.revoked')).toHaveLength(1), { timeout: 60_000, interval: 50 });
      await drained();
      expect(await metricsOf(second)).toMatch(/^harvest_keys_webhook_pending 0$/m);
    } finally {
      for (const server of servers) await server.stop();
    }
    for (const server of servers) expect(server.output()).not.toContain(SECRET.slice('whsec_'.length));
    expect(JSON.stringify(receiver.requests)).not.toContain(key);
  });

  it('sends the Harvest v3 events the README lists: a revoked access token and a failed client authentication', async () => {
    const issued = await rt.keys.create({
      actor: anAdmin(),
      kind: 'oauth_client',
      description: 'Hooked v3 client',
      grants: ['GET /v1/users'],
    });
    const clientId = issued.key.clientId as string;
    const server = await startServer({
      DATABASE_URL: rt.database.url,
      KEY_PEPPER: TEST_PEPPER,
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: SECRET,
    });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const form = (body: Record<string, string>, secret = issued.secret) => ({
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(body).toString(),
      });
      const token = await fetch(`${base}/oauth/token`, form({ grant_type: 'client_credentials' }));
      expect(token.status).toBe(200);
      const { access_token } = (await token.json()) as { access_token: string };
      expect((await fetch(`${base}/oauth/revoke`, form({ token: access_token }))).status).toBe(200);
      const refused = await fetch(`${base}/oauth/token`, form({ grant_type: 'client_credentials' }, 'hk_not-it'));
      expect(refused.status).toBe(401);

      const types = async () =>
        (await outbox()).filter((m) => m.body.includes(clientId)).map((m) => [m.event_type, m.ordering_key]);
      await vi.waitFor(
        async () =>
          expect(await types()).toEqual(
            expect.arrayContaining([
              ['oauth.token_revoked', `key:${issued.key.id}`],
              ['oauth.client_auth_failed', 'oauth.client_auth_failed'],
            ]),
          ),
        { timeout: 10_000, interval: 50 },
      );
      await vi.waitFor(
        () =>
          expect(receiver.delivered().filter((r) => r.body.includes('"type":"oauth.token_revoked"'))).toHaveLength(1),
        { timeout: 60_000, interval: 50 },
      );
    } finally {
      await server.stop();
    }
    expect(JSON.stringify(await outbox())).not.toContain(issued.secret);
    expect(JSON.stringify(await outbox())).not.toContain('hk_not-it');
  });
});
