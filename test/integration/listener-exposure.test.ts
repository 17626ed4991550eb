import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack } from '../helpers/fake-slack.ts';
import { LISTENING_LINE, type ServerProcess, startServer } from '../helpers/processes.ts';
import { TEST_PEPPER } from '../helpers/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { unusedLocalPort } from '../helpers/local-ports.ts';

/** Slack in HTTP mode against a loopback stand-in: its receiver listens once auth.test accepts the token. */
const fakeSlack = await startFakeSlack({
  'auth.test': { ok: true, team_id: 'T0EXPOSURE', user_id: 'U0BOT', bot_id: 'B0BOT' },
});
afterAll(() => fakeSlack.close());
const SLACK = {
  SLACK_BOT_TOKEN: 'xoxb-0000-exposure-test',
  SLACK_SIGNING_SECRET: '0123456789abcdef0123456789abcdef',
  SLACK_TEAM_ID: 'T0EXPOSURE',
  SLACK_API_URL: fakeSlack.url,
  PORT: '0',
};
const SLACK_LISTENING = /"port":(\d+)[^\n]*"msg":"Slack app listening/;
const METRICS_LISTENING = /"port":(\d+),"msg":"metrics listening/;

/** This machine's addresses other than loopback: a listener bound to loopback only must refuse connections on them. */
const outsideAddresses = Object.values(networkInterfaces())
  .flat()
  .filter((address) => address !== undefined && !address.internal && !address.address.startsWith('fe80:'))
  .map((address) => (address as { address: string }).address);

function reach(host: string, port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

const portIn = (output: string, line: RegExp) => Number(line.exec(output)?.[1]);

describe('with the embedded database (a developer machine)', () => {
  let server: ServerProcess;
  const pgPort = unusedLocalPort();
  beforeAll(async () => {
    // AUTHZ_HOST blank: the default, not the test helpers' 127.0.0.1.
    server = await startServer(
      {
        ...SLACK,
        AUTHZ_HOST: '',
        METRICS_PORT: '0',
        EMBEDDED_PG_PORT: String(pgPort),
        LOG_LEVEL: 'info',
        // Nothing listens there: a report is answered 503 without leaving this machine.
        SECRET_SCANNING_KEYS_URL: 'http://127.0.0.1:9/keys',
      },
      180_000,
      SLACK_LISTENING,
    );
  }, 200_000);
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });

  it('binds /authz, Slack, /metrics and PostgreSQL to 127.0.0.1 only', async () => {
    const output = server.output();
    const ports = {
      authz: portIn(output, LISTENING_LINE),
      slack: server.port,
      metrics: portIn(output, METRICS_LISTENING),
      postgres: pgPort,
    };
    for (const [name, port] of Object.entries(ports)) {
      expect(port, name).toBeGreaterThan(0);
      expect(await reach('127.0.0.1', port), `${name} on loopback`).toBe('connected');
      for (const address of outsideAddresses)
        expect(await reach(address, port), `${name} on ${address}`).toBe('ECONNREFUSED');
    }
    // And what the log says it bound, for machines with no other address to try.
    expect(output).toMatch(new RegExp(`"host":"127\\.0\\.0\\.1","port":${ports.authz},"msg":"listening`));
    expect(output).toMatch(new RegExp(`"host":"127\\.0\\.0\\.1","port":${ports.metrics},"msg":"metrics listening`));
  });

  it('serves /metrics on METRICS_PORT only: 404 on AUTHZ_PORT, and nothing but /metrics on METRICS_PORT', async () => {
    const output = server.output();
    const authz = `http://127.0.0.1:${portIn(output, LISTENING_LINE)}`;
    const metrics = `http://127.0.0.1:${portIn(output, METRICS_LISTENING)}`;
    expect((await fetch(`${authz}/metrics`)).status).toBe(404);
    expect((await fetch(`${authz}/healthz`)).status).toBe(200);
    const scraped = await fetch(`${metrics}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('harvest_keys_authz_index_keys');
    for (const path of ['/authz/v1/users', '/healthz', '/readyz', '/pgp/service.asc'])
      expect((await fetch(`${metrics}${path}`)).status, path).toBe(404);
  });

  it('serves the secret scanning route on AUTHZ_PORT only: 404 on the Slack PORT and on METRICS_PORT', async () => {
    const output = server.output();
    const post = (port: number) =>
      fetch(`http://127.0.0.1:${port}/secret-scanning/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'github-public-key-identifier': 'ab',
          'github-public-key-signature': 'AA==',
        },
        body: '[]',
      }).then(async (response) => {
        await response.body?.cancel();
        return response.status;
      });
    // On AUTHZ_PORT it is the route (no keys can be fetched here), not a 404.
    expect(await post(portIn(output, LISTENING_LINE))).toBe(503);
    expect(await post(server.port), 'Slack PORT').toBe(404);
    expect(await post(portIn(output, METRICS_LISTENING)), 'METRICS_PORT').toBe(404);
  });
});

describe('with DATABASE_URL (production)', () => {
  let database: TestDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startServer(
      { ...SLACK, AUTHZ_HOST: '', DATABASE_URL: database.url, KEY_PEPPER: TEST_PEPPER, LOG_LEVEL: 'info' },
      120_000,
      SLACK_LISTENING,
    );
  }, 150_000);
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
    await database?.drop();
  });

  it('keeps listening on every interface unless a host is set, with /metrics on AUTHZ_PORT', async () => {
    const output = server.output();
    const authzPort = portIn(output, LISTENING_LINE);
    expect(output).toMatch(new RegExp(`"host":"0\\.0\\.0\\.0","port":${authzPort},"msg":"listening`));
    for (const port of [authzPort, server.port]) {
      expect(await reach('127.0.0.1', port)).toBe('connected');
      for (const address of outsideAddresses.filter((a) => !a.includes(':')))
        expect(await reach(address, port), address).toBe('connected');
    }
    expect((await fetch(`http://127.0.0.1:${authzPort}/metrics`)).status).toBe(200);
  });
});
