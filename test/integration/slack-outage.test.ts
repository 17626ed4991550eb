import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { askAuthz, basic, waitUntil } from '../helpers/authz-client.ts';
import { type ServerProcess, startServer } from '../helpers/processes.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';
import { startFakeSlack } from '../helpers/fake-slack.ts';
import { SIGNING_SECRET } from '../helpers/slack-harness.ts';
import { unusedLocalPort } from '../helpers/local-ports.ts';

/**
 * Enforcement never depends on Slack: the real server process, with Slack unreachable or refusing its tokens, keeps
 * answering /authz and /readyz, says in one log line what to fix, and connects by itself once Slack answers.
 */
let rt: TestRuntime;
let secret: string;
beforeAll(async () => {
  rt = await createTestRuntime();
  secret = (await rt.keys.create({ actor: anAdmin(), description: 'Slack outage', grants: ['GET /v1/users'] })).secret;
});
afterAll(async () => {
  await rt.dispose();
});

/** A port nothing listens on (yet). */
async function closedPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const AUTH_OK = {
  ok: true,
  url: 'https://harvest-test.slack.com/',
  team: 'Harvest',
  user: 'harvest-keys',
  team_id: 'T0TEST',
  user_id: 'U0BOTUSER',
  bot_id: 'B0TEST',
};
const REFUSED = { ok: false, error: 'invalid_auth' };

async function readiness(server: ServerProcess) {
  const response = await fetch(`http://127.0.0.1:${server.port}/readyz`);
  return {
    status: response.status,
    body: (await response.json()) as { status: string; slack?: { status: string; reason?: string } },
  };
}

/** What every case must show: the process serves enforcement and reports Slack as degraded, not as unready. */
async function enforcementServes(server: ServerProcess, reason: RegExp) {
  expect(server.child.exitCode).toBeNull();
  const allowed = await askAuthz(server.port, {
    authorization: basic(secret),
    'x-original-method': 'GET',
    'x-original-uri': '/v1/users',
  });
  expect(allowed.status).toBe(200);
  const denied = await askAuthz(server.port, {
    authorization: basic(secret),
    'x-original-method': 'GET',
    'x-original-uri': '/v1/candidates',
  });
  expect(denied.status).toBe(403);
  expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
  const ready = await readiness(server);
  expect(ready.status).toBe(200);
  expect(ready.body.status).toBe('ready');
  expect(ready.body.slack?.status).toBe('degraded');
  expect(ready.body.slack?.reason).toMatch(reason);
}

/** Waits for `predicate`, failing at once (with the output) if the server process has exited meanwhile. */
async function whileAlive(server: ServerProcess, predicate: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  await waitUntil(async () => {
    if (server.child.exitCode !== null)
      throw new Error(`the server exited with ${server.child.exitCode}:\n${server.output()}`);
    if (await predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
    return false;
  }, timeoutMs).catch((error: Error) => {
    throw new Error(`${error.message}; server output:\n${server.output()}`);
  });
}

const baseEnv = () => ({
  DATABASE_URL: rt.database.url,
  KEY_PEPPER: TEST_PEPPER,
  SLACK_BOT_TOKEN: 'xoxb-outage-test',
  LOG_LEVEL: 'info',
});
const linesMatching = (output: string, pattern: RegExp) => output.split('\n').filter((line) => pattern.test(line));

describe('Slack is unreachable or refuses the app', { timeout: 150_000 }, () => {
  it('Slack unreachable (HTTP mode): enforcement serves, Slack is degraded with the reason, and it recovers by itself', async () => {
    const port = await closedPort();
    const server = await startServer({
      ...baseEnv(),
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      PORT: '0',
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
    });
    let fake: Awaited<ReturnType<typeof startFakeSlack>> | undefined;
    try {
      const advice = new RegExp(
        `cannot reach the Slack Web API at http://127\\.0\\.0\\.1:${port}/api/ \\(ECONNREFUSED\\)`,
      );
      await whileAlive(server, () => advice.test(server.output()));
      await enforcementServes(server, /cannot reach the Slack Web API/);
      // Slack starts answering on the same address: the next retry connects without a restart.
      fake = await startFakeSlack({ 'auth.test': AUTH_OK }, port);
      await whileAlive(server, async () => (await readiness(server)).body.slack?.status === 'ok');
      await expect.poll(() => server.output()).toContain('Slack is reachable again');
      await expect.poll(() => server.output()).toContain('Slack app listening for requests at /slack/events');
      expect(linesMatching(server.output(), advice)).toHaveLength(1);
      expect((await readiness(server)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
      await fake?.close();
    }
    expect(server.output()).not.toContain('unhandled promise rejection');
    expect(server.output()).not.toContain('UnhandledPromiseRejection');
  });

  it('the bot token refused (auth.test says invalid_auth): one line naming SLACK_BOT_TOKEN and where to copy it, retried', async () => {
    const fake = await startFakeSlack({ 'auth.test': REFUSED });
    const server = await startServer({
      ...baseEnv(),
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      PORT: '0',
      SLACK_API_URL: fake.url,
    });
    try {
      // Two refusals: the process outlived the first one, which used to stop it 3 s after start.
      await whileAlive(server, () => fake.count('auth.test') >= 2);
      await enforcementServes(server, /SLACK_BOT_TOKEN \(invalid_auth\)/);
      const advice = linesMatching(server.output(), /Slack refused SLACK_BOT_TOKEN/);
      expect(advice).toHaveLength(1);
      expect(advice[0]).toContain('OAuth & Permissions');
      expect(advice[0]).toContain('"level":50');
      expect(server.output()).not.toContain('xoxb-outage-test');
    } finally {
      expect(await server.stop()).toBe(0);
      await fake.close();
    }
    expect(server.output()).not.toContain('unhandled promise rejection');
  });

  it('Socket Mode refused (apps.connections.open says invalid_auth): one line naming SLACK_APP_TOKEN and where to make one', async () => {
    const fake = await startFakeSlack({ 'auth.test': AUTH_OK, 'apps.connections.open': REFUSED });
    const server = await startServer({
      ...baseEnv(),
      SLACK_APP_TOKEN: 'xapp-1-A0TEST-outage',
      SLACK_API_URL: fake.url,
    });
    try {
      await whileAlive(server, () => fake.count('apps.connections.open') >= 2);
      await enforcementServes(server, /SLACK_APP_TOKEN \(invalid_auth\)/);
      const advice = linesMatching(server.output(), /Slack refused SLACK_APP_TOKEN/);
      expect(advice).toHaveLength(1);
      expect(advice[0]).toContain('Basic Information → App-Level Tokens');
      expect(server.output()).not.toContain('xapp-1-A0TEST-outage');
    } finally {
      expect(await server.stop()).toBe(0);
      await fake.close();
    }
    expect(server.output()).not.toContain('unhandled promise rejection');
  });

  it('Socket Mode with Slack unreachable: enforcement serves and the reason names the Web API address', async () => {
    const port = await closedPort();
    const server = await startServer({
      ...baseEnv(),
      SLACK_APP_TOKEN: 'xapp-1-A0TEST-outage',
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
    });
    try {
      await whileAlive(server, () => server.output().includes('cannot reach the Slack Web API'));
      await enforcementServes(server, /cannot reach the Slack Web API/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.output()).not.toContain('unhandled promise rejection');
  });
});

describe('Socket Mode connected', { timeout: 150_000 }, () => {
  it('reports ok once connected, and reconnects by itself when the connection drops', async () => {
    const fake = await startFakeSlack({ 'auth.test': AUTH_OK });
    fake.answers['apps.connections.open'] = { ok: true, url: fake.wsUrl };
    const server = await startServer({
      ...baseEnv(),
      SLACK_APP_TOKEN: 'xapp-1-A0TEST-outage',
      SLACK_API_URL: fake.url,
    });
    try {
      await whileAlive(server, async () => (await readiness(server)).body.slack?.status === 'ok');
      await expect.poll(() => server.output()).toContain('Slack app connected over Socket Mode');
      fake.dropConnections();
      await whileAlive(server, () => server.output().includes('the Socket Mode connection to Slack was lost'));
      await whileAlive(
        server,
        async () => fake.count('apps.connections.open') >= 2 && (await readiness(server)).body.slack?.status === 'ok',
      );
      expect((await readiness(server)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
      await fake.close();
    }
    expect(server.output()).not.toContain('unhandled promise rejection');
  });
});

describe('a fatal start-up error with the embedded database', { timeout: 150_000 }, () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'hk-fatal-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stops the embedded PostgreSQL before the process exits', async () => {
    const pgPort = unusedLocalPort();
    // The signing key is read only after the database is up: a broken one is fatal with the database running.
    const env = {
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      LOG_LEVEL: 'info',
      SERVICE_PGP_PRIVATE_KEY:
        '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nbm90IGEga2V5\n-----END PGP PRIVATE KEY BLOCK-----',
    };
    const server = await startServer(env, 120_000, /"port":(\d+),"msg":"embedded PostgreSQL started"/).catch(
      (error: Error) => error,
    );
    if (server instanceof Error) {
      // It may exit before the line was seen: the outcome below is what matters.
      expect(server.message).toContain('embedded PostgreSQL started');
    } else {
      await new Promise((resolve) =>
        server.child.exitCode === null ? server.child.once('exit', resolve) : resolve(null),
      );
      expect(server.child.exitCode).toBe(1);
      expect(server.output()).toContain('embedded PostgreSQL stopped');
    }
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    const probe = postgres(`postgres://postgres@127.0.0.1:${pgPort}/postgres`, {
      max: 1,
      connect_timeout: 2,
      onnotice: () => {},
    });
    try {
      await expect(probe`select 1`).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await probe.end({ timeout: 1 });
    }
  });
});
