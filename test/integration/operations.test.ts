import net from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { askAuthz, basic, waitUntil } from '../helpers/authz-client.ts';
import { type ServerProcess, startServer } from '../helpers/processes.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt.dispose();
});

const ask = (port: number, secret: string | undefined, uri = '/v1/users', extra: Record<string, string> = {}) =>
  askAuthz(port, {
    ...(secret === undefined ? {} : { authorization: basic(secret) }),
    'x-original-method': 'GET',
    'x-original-uri': uri,
    ...extra,
  });

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

/** The value of one sample line (`name{labels} value`), 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('observability of a running server', () => {
  let proxy: TcpProxy;
  let server: ServerProcess;
  beforeAll(async () => {
    const direct = new URL(rt.database.url);
    proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
    direct.hostname = '127.0.0.1';
    direct.port = String(proxy.port);
    server = await startServer({
      DATABASE_URL: direct.toString(),
      KEY_PEPPER: TEST_PEPPER,
      LOG_LEVEL: 'debug',
      AUTHZ_MAX_STALENESS: '30',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
  });

  it('echoes a caller X-Request-Id (or a generated one) and puts it on the denial log line, with no line for an allowed call', async () => {
    const issued = await rt.keys.create({ actor: anAdmin(), description: 'Request ids', grants: ['GET /v1/users'] });
    await waitUntil(async () => (await ask(server.port, issued.secret)).status === 200);

    const allowed = await ask(server.port, issued.secret, '/v1/users', { 'x-request-id': 'gw-allowed-0001' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('x-request-id')).toBe('gw-allowed-0001');
    const denied = await ask(server.port, issued.secret, '/v1/candidates', { 'x-request-id': 'gw-denied-0002' });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('x-request-id')).toBe('gw-denied-0002');
    const replaced = await ask(server.port, undefined, '/v1/users', { 'x-request-id': `evil"\\${'x'.repeat(300)}` });
    expect(replaced.status).toBe(401);
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    await waitUntil(async () => server.output().includes('"requestId":"gw-denied-0002"'));
    const lines = server.output().split('\n');
    const deniedLine = JSON.parse(lines.find((l) => l.includes('"requestId":"gw-denied-0002"')) as string) as Record<
      string,
      unknown
    >;
    expect(deniedLine).toMatchObject({
      level: 20,
      outcome: 'deny_403',
      reason: 'not_granted',
      keyId: issued.key.id,
      msg: 'authz denied',
    });
    expect(server.output()).not.toContain('gw-allowed-0001');
    expect(server.output()).not.toContain(issued.secret);
  });

  it('/metrics counts decisions by outcome, times them, and reports index size, invalidation lag and reconnects', async () => {
    const issued = await rt.keys.create({ actor: anAdmin(), description: 'Metrics', grants: ['GET /v1/users'] });
    await waitUntil(async () => (await ask(server.port, issued.secret)).status === 200);
    const before = await scrape(server.port);

    for (let i = 0; i < 5; i++) expect((await ask(server.port, issued.secret)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await ask(server.port, issued.secret, '/v1/candidates')).status).toBe(403);
    for (let i = 0; i < 2; i++) expect((await ask(server.port, undefined)).status).toBe(401);
    expect((await ask(server.port, 'hk_notavalidkeyatall')).status).toBe(401);
    await rt.keys.revoke(issued.key.id, { actor: anAdmin() });
    await waitUntil(async () => (await ask(server.port, issued.secret)).status === 401);

    const after = await scrape(server.port);
    const moved = (series: string) => sample(after, series) - sample(before, series);
    expect(moved('harvest_keys_authz_decisions_total{outcome="allow",reason=""}')).toBeGreaterThanOrEqual(5);
    expect(moved('harvest_keys_authz_decisions_total{outcome="deny_403",reason="not_granted"}')).toBe(3);
    expect(moved('harvest_keys_authz_decisions_total{outcome="deny_401",reason="missing"}')).toBe(2);
    expect(moved('harvest_keys_authz_decisions_total{outcome="deny_401",reason="malformed"}')).toBe(1);
    expect(moved('harvest_keys_authz_decisions_total{outcome="deny_401",reason="revoked"}')).toBe(1);
    expect(moved('harvest_keys_authz_duration_seconds_count')).toBeGreaterThanOrEqual(12);
    expect(moved('harvest_keys_authz_invalidation_lag_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'harvest_keys_authz_index_keys')).toBe((await rt.keys.list({})).total);
    expect(sample(after, 'harvest_keys_authz_index_fresh')).toBe(1);
    expect(after).toContain('harvest_keys_approvals_pending 0');
    expect(sample(after, 'harvest_keys_process_resident_memory_bytes')).toBeGreaterThan(0);

    // The change channel is lost and comes back: one reconnect, a full reload, fresh again.
    await proxy.cut();
    await proxy.restore();
    await waitUntil(
      async () => sample(await scrape(server.port), 'harvest_keys_authz_index_load_seconds_count') >= 2,
      20_000,
    );
    const reconnected = await scrape(server.port);
    expect(sample(reconnected, 'harvest_keys_authz_channel_reconnects_total')).toBe(1);
    expect(sample(reconnected, 'harvest_keys_authz_index_fresh')).toBe(1);
  });
});

describe('graceful shutdown on SIGTERM', () => {
  it('finishes a request already in flight, flushes the usage counts to the database, then exits 0', async () => {
    const issued = await rt.keys.create({ actor: anAdmin(), description: 'Shutdown', grants: ['GET /v1/users'] });
    // A flush interval far beyond the test: only the shutdown flush can write these counts.
    const server = await startServer({
      DATABASE_URL: rt.database.url,
      KEY_PEPPER: TEST_PEPPER,
      USAGE_FLUSH_INTERVAL: '3600',
    });
    await waitUntil(async () => (await ask(server.port, issued.secret)).status === 200);
    for (let i = 0; i < 24; i++) expect((await ask(server.port, issued.secret)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await ask(server.port, issued.secret, '/v1/candidates')).status).toBe(403);

    // A request whose headers are still arriving when SIGTERM lands.
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += String(chunk);
    });
    socket.write(`GET /authz HTTP/1.1\r\nHost: authz\r\nAuthorization: ${basic(issued.secret)}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const exited = server.stop('SIGTERM');
    await waitUntil(async () => server.output().includes('"msg":"shutting down"'));
    // New connections are refused once it stopped listening.
    await waitUntil(
      () =>
        new Promise<boolean>((resolve) => {
          const probe = net.connect(server.port, '127.0.0.1');
          probe.once('connect', () => {
            probe.destroy();
            resolve(false);
          });
          probe.once('error', () => resolve(true));
        }),
    );
    socket.write('X-Original-Method: GET\r\nX-Original-URI: /v1/users\r\n\r\n');
    await waitUntil(async () => answer.includes('\r\n\r\n'));
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    socket.end();
    expect(await exited).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');

    const sql = postgres(rt.database.url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ allowed: number; denied: number }[]>`
        select coalesce(sum(allowed), 0)::int as allowed, coalesce(sum(denied), 0)::int as denied from key_usage where key_id = ${issued.key.id}`;
      // 1+ from the wait, 24, and the one in flight; 5 denials.
      expect(row?.allowed).toBeGreaterThanOrEqual(26);
      expect(row?.denied).toBe(5);
    } finally {
      await sql.end();
    }
  });
});
