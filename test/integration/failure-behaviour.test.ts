import { spawn } from 'node:child_process';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/compose.ts';
import { loadConfig } from '../../src/config.ts';
import { createMetrics, type Metrics } from '../../src/observability/metrics.ts';
import { SLACK_RETRY } from '../../src/slack/app.ts';
import { anAdmin } from '../fixtures/actors.ts';
import { waitUntil } from '../helpers/authz-client.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { ROOT } from '../helpers/processes.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';
import { type SlackHarness, startSlackHarness } from '../helpers/slack-harness.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt.dispose();
});

const errorsCounted = async (metrics: Metrics, method: string, code: string) => {
  const metric = await metrics.registry.getSingleMetric('harvest_keys_slack_api_errors_total')?.get();
  return metric?.values.find((v) => v.labels.method === method && v.labels.code === code)?.value ?? 0;
};

describe('the database is lost while Slack is in use', () => {
  let proxy: TcpProxy;
  let viaProxy: Runtime;
  let slack: SlackHarness;
  const logs = captureLogs('info');
  beforeAll(async () => {
    const direct = new URL(rt.database.url);
    proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
    direct.hostname = '127.0.0.1';
    direct.port = String(proxy.port);
    const config = loadConfig({
      DATABASE_URL: direct.toString(),
      KEY_PEPPER: TEST_PEPPER,
      LOG_LEVEL: 'silent',
      APPROVAL_REQUIRED_FOR: 'none',
      DATA_DIR: rt.config.dataDir,
    });
    viaProxy = await openRuntime(config, logs.logger, { migrate: false });
    slack = await startSlackHarness(viaProxy, { logger: logs.logger });
  });
  afterAll(async () => {
    await slack?.close();
    await viaProxy?.close();
    await proxy?.close();
  });

  it('acknowledges a slash command at once and tells the person to try again; works again when the database is back', async () => {
    const admin = anAdmin();
    await rt.roles.grant(admin, 'admin', 'test');
    let mark = slack.recorder.mark();
    expect((await slack.command(admin, 'list')).status).toBe(200);
    expect(String((await slack.recorder.waitFor(mark, 'response_url')).body.text ?? '')).not.toContain('try again');

    await proxy.cut();
    mark = slack.recorder.mark();
    const started = performance.now();
    const ack = await slack.command(admin, 'list');
    const ackMs = performance.now() - started;
    expect(ack.status).toBe(200);
    // Slack's own limit: an unacknowledged command shows the person an error after 3 s.
    expect(ackMs).toBeLessThan(3_000);
    const told = await slack.recorder.waitFor(mark, 'response_url', () => true, 15_000);
    console.log(
      `database cut: command acknowledged in ${ackMs.toFixed(0)} ms, person told in ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(told.body.response_type).toBe('ephemeral');
    expect(String(told.body.text)).toMatch(/cannot reach its database.*try again/);
    expect(String(told.body.text).length).toBeLessThan(200);
    await waitUntil(async () => logs.text().includes('"outcome":"error"'));
    expect(logs.text()).toMatch(
      /"slack":"command","id":"\/harvest-keys","userId":"[^"]+","teamId":"T0TEST","outcome":"error"/,
    );

    await proxy.restore();
    await waitUntil(async () => {
      const again = slack.recorder.mark();
      await slack.command(admin, 'list');
      const answer = await slack.recorder.waitFor(again, 'response_url', () => true, 10_000);
      return !String(answer.body.text ?? '').includes('try again');
    }, 20_000);
  });
});

describe('the Slack Web API fails or rate-limits (production retry settings)', () => {
  let slack: SlackHarness;
  let metrics: Metrics;
  const logs = captureLogs('info');
  beforeAll(async () => {
    metrics = createMetrics();
    slack = await startSlackHarness(rt, { logger: logs.logger, metrics, retryConfig: SLACK_RETRY });
  });
  afterAll(async () => {
    await slack?.close();
  });

  it('retries a 5xx with backoff and the dialog still opens; each failed attempt is counted', async () => {
    const admin = anAdmin();
    await rt.roles.grant(admin, 'admin', 'test');
    slack.recorder.failNext('views.open', { status: 503 });
    slack.recorder.failNext('views.open', { status: 502 });
    const mark = slack.recorder.mark();
    expect((await slack.command(admin, 'create')).status).toBe(200);
    const opened = await slack.recorder.waitFor(
      mark,
      'views.open',
      (t) => (t.body.view as { callback_id?: string } | undefined)?.callback_id !== undefined,
      15_000,
    );
    await waitUntil(async () => slack.recorder.since(mark, 'views.open').length >= 3);
    expect(slack.recorder.since(mark, 'views.open')).toHaveLength(3);
    expect(opened).toBeDefined();
    expect(slack.recorder.since(mark, 'response_url')).toEqual([]);
    expect(await errorsCounted(metrics, 'views.open', 'http_503')).toBe(1);
    expect(await errorsCounted(metrics, 'views.open', 'http_502')).toBe(1);
  });

  it('waits out Retry-After on 429s, then tells the person Slack is rate-limiting', async () => {
    const admin = anAdmin();
    await rt.roles.grant(admin, 'admin', 'test');
    for (let i = 0; i <= (SLACK_RETRY.retries ?? 0); i++)
      slack.recorder.failNext('views.open', { status: 429, headers: { 'retry-after': '1' } });
    const mark = slack.recorder.mark();
    const started = performance.now();
    expect((await slack.command(admin, 'roles')).status).toBe(200);
    const told = await slack.recorder.waitFor(mark, 'response_url', () => true, 30_000);
    const tookMs = performance.now() - started;
    console.log(`429 with Retry-After: 1 on every attempt: person told after ${tookMs.toFixed(0)} ms`);
    expect(String(told.body.text)).toContain('rate-limiting');
    expect(slack.recorder.since(mark, 'views.open')).toHaveLength((SLACK_RETRY.retries ?? 0) + 1);
    // Retry-After was honoured between attempts (one second each), so this is not a hot loop.
    expect(tookMs).toBeGreaterThanOrEqual((SLACK_RETRY.retries ?? 0) * 1000);
    expect(await errorsCounted(metrics, 'views.open', 'ratelimited')).toBe((SLACK_RETRY.retries ?? 0) + 1);
  });
});

describe('a crash in the middle of creating keys', () => {
  it('leaves no key without its audit row, no audit row without its key, and every secret handed out works', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/create-burst.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATABASE_URL: rt.database.url,
        KEY_PEPPER: TEST_PEPPER,
        LOG_LEVEL: 'silent',
        DATA_DIR: rt.config.dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      errors += String(chunk);
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    await waitUntil(async () => output.split('\n').length > 60, 60_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${errors}`);
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const handedOut = output
      .split('\n')
      .filter((line) => /^\S+ \S+$/.test(line))
      .map((line) => line.split(' ') as [string, string]);
    const sql = postgres(rt.database.url, { max: 1, onnotice: () => {} });
    try {
      const keys = await sql<{ id: string }[]>`select id from api_keys where created_by = 'U0CRASHTEST'`;
      const withoutAudit = await sql<{ id: string }[]>`
        select k.id from api_keys k
         where not exists (select 1 from audit_events a where a.key_id = k.id and a.action in ('key.created', 'key.imported'))`;
      const auditWithoutKey = await sql<{ key_id: string }[]>`
        select a.key_id from audit_events a where a.action = 'key.created' and not exists (select 1 from api_keys k where k.id = a.key_id)`;
      console.log(`killed -9 after ${handedOut.length} keys handed out; ${keys.length} rows committed`);
      expect(keys.length).toBeGreaterThanOrEqual(handedOut.length);
      expect(withoutAudit).toEqual([]);
      expect(auditWithoutKey).toEqual([]);

      const everything =
        JSON.stringify(await sql`select * from api_keys`) +
        JSON.stringify(await sql`select * from audit_events`) +
        JSON.stringify(await sql`select * from key_permissions`);
      for (const [id, secret] of handedOut) {
        expect(everything).not.toContain(secret);
        const check = await rt.keys.check(secret, 'GET', '/v1/users');
        expect(check.outcome === 'decided' && check.key.id === id && check.decision.allowed).toBe(true);
      }
    } finally {
      await sql.end();
    }
  });
});
