import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { askAuthz, basic, waitUntil } from '../helpers/authz-client.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { LISTENING_LINE, type ServerProcess, startServer } from '../helpers/processes.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt.dispose();
});

const status = async (port: number, secret: string, uri = '/v1/users') =>
  (await askAuthz(port, { authorization: basic(secret), 'x-original-method': 'GET', 'x-original-uri': uri })).status;

const readyz = async (port: number) => {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return {
    status: response.status,
    body: (await response.json()) as { checks: Array<{ name: string; ok: boolean; detail?: string }> },
  };
};

describe('two instances on one database', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  beforeAll(async () => {
    const env = { DATABASE_URL: rt.database.url, KEY_PEPPER: TEST_PEPPER };
    [a, b] = await Promise.all([startServer(env), startServer(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('both refuse a key revoked with the CLI, and both allow a key created with it', async () => {
    const created = await runCli(['create', '--description', 'Two instances', '--grant', 'GET /v1/users', '--json'], {
      DATABASE_URL: rt.database.url,
      KEY_PEPPER: TEST_PEPPER,
    });
    expect(created.code).toBe(0);
    const { id, key: secret } = JSON.parse(created.stdout) as { id: string; key: string };
    for (const server of [a, b]) await waitUntil(async () => (await status(server.port, secret)) === 200);

    const revoked = await runCli(['revoke', id], { DATABASE_URL: rt.database.url, KEY_PEPPER: TEST_PEPPER });
    expect(revoked.code).toBe(0);
    const [msA, msB] = await Promise.all(
      [a, b].map((s) => waitUntil(async () => (await status(s.port, secret)) === 401)),
    );
    console.log(
      `CLI revoke refused by instance A after ${msA?.toFixed(1)} ms and B after ${msB?.toFixed(1)} ms (from CLI exit)`,
    );
  });

  it('a revocation committed by one writer reaches the other instance; measured over 20 revocations', async () => {
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      const issued = await rt.keys.create({
        actor: anAdmin(),
        description: `Propagation ${i}`,
        grants: ['GET /v1/users'],
      });
      await waitUntil(async () => (await status(b.port, issued.secret)) === 200);
      await rt.keys.revoke(issued.key.id, { actor: anAdmin() });
      delays.push(await waitUntil(async () => (await status(b.port, issued.secret)) === 401));
    }
    delays.sort((x, y) => x - y);
    console.log(
      `revocation → refusal on the other instance: p50 ${delays[10]?.toFixed(1)} ms, max ${delays[19]?.toFixed(1)} ms`,
    );
    expect(delays).toHaveLength(20);
  });
});

describe('when the database goes away', () => {
  let proxy: TcpProxy;
  let server: ServerProcess;
  let viaProxy: string;
  beforeAll(async () => {
    const direct = new URL(rt.database.url);
    proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
    direct.hostname = '127.0.0.1';
    direct.port = String(proxy.port);
    viaProxy = direct.toString();
  });
  afterAll(async () => {
    await server?.stop();
    await proxy.close();
  });

  it('down at start-up: /readyz and /authz answer 503, then it recovers by itself when the database is back', async () => {
    const issued = await rt.keys.create({ actor: anAdmin(), description: 'Outage', grants: ['GET /v1/users'] });
    await proxy.cut();
    server = await startServer(
      { DATABASE_URL: viaProxy, KEY_PEPPER: TEST_PEPPER, AUTHZ_MAX_STALENESS: '1' },
      60_000,
      LISTENING_LINE,
    );
    const down = await readyz(server.port);
    expect(down.status).toBe(503);
    expect(down.body.checks).toEqual([
      { name: 'database', ok: false, detail: 'connecting' },
      { name: 'authz', ok: false, detail: 'key index not loaded yet' },
    ]);
    expect(await status(server.port, issued.secret)).toBe(503);

    await proxy.restore();
    await waitUntil(async () => (await readyz(server.port)).status === 200, 20_000);
    expect(await status(server.port, issued.secret)).toBe(200);
  });

  it('channel down longer than AUTHZ_MAX_STALENESS: fails closed with 503, then reloads everything when it is back', async () => {
    const kept = await rt.keys.create({ actor: anAdmin(), description: 'Kept', grants: ['GET /v1/users'] });
    const doomed = await rt.keys.create({
      actor: anAdmin(),
      description: 'Revoked during the outage',
      grants: ['GET /v1/users'],
    });
    await waitUntil(async () => (await status(server.port, doomed.secret)) === 200);

    await proxy.cut();
    // Revoked while this instance cannot hear about it: its NOTIFY is lost to it.
    await rt.keys.revoke(doomed.key.id, { actor: anAdmin() });
    const failedClosedAfter = await waitUntil(async () => (await status(server.port, kept.secret)) === 503, 10_000);
    console.log(`channel cut: /authz answered 503 after ${failedClosedAfter.toFixed(0)} ms (AUTHZ_MAX_STALENESS=1 s)`);
    const stale = await readyz(server.port);
    expect(stale.status).toBe(503);
    expect(stale.body.checks.find((c) => c.name === 'authz')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('/authz answers 503'),
    });

    await proxy.restore();
    await waitUntil(async () => (await status(server.port, kept.secret)) === 200, 20_000);
    expect(await status(server.port, doomed.secret)).toBe(401);
    expect((await readyz(server.port)).status).toBe(200);
  });
});
