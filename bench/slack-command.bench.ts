/**
 * Slack: time from a signed slash command arriving at the app to its `views.open` reaching the Slack API, the part of
 * Slack's 3-second budget the app spends (target p99 < 300 ms). The Web API is a local fake HTTP server
 * (SLACK_API_URL); the database is an embedded PostgreSQL, or BENCH_DATABASE_URL when set. Baseline in the same run:
 * a bare loopback HTTP round trip to the same fake server, so the figures can be read against the machine.
 * Run: `npm run bench -- slack` or `npx tsx bench/slack-command.bench.ts`.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createScratchDatabase } from './lib/scratch-database.ts';
import { openRuntime, type Runtime } from '../src/compose.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createSlackApp } from '../src/slack/app.ts';

const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 200);
const WARMUP = 20;
const SIGNING_SECRET = '0123456789abcdef0123456789abcdef';
const PEPPER = 'bench-pepper-0123456789abcdefghijklmnopqrstuvwxyz';

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
const ms = (n: number) => `${n.toFixed(1)} ms`;

/** The Slack Web API and response_url, answered at once; views.open arrivals resolve the command that caused them. */
function fakeSlack() {
  const waiting = new Map<string, (at: number) => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks).toString();
      if (req.url?.startsWith('/api/views.open')) {
        const trigger =
          new URLSearchParams(body).get('trigger_id') ??
          (JSON.parse(body || '{}') as { trigger_id?: string }).trigger_id;
        if (trigger !== null && trigger !== undefined) waiting.get(trigger)?.(at);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, view: { id: 'V1', hash: 'h' } }));
    });
  });
  return {
    server,
    waitFor(trigger: string): Promise<number> {
      return new Promise((resolve) => waiting.set(trigger, resolve));
    },
  };
}

async function withDatabase<T>(work: (runtime: Runtime, kind: string) => Promise<T>): Promise<T> {
  const logger = createLogger('silent');
  const external = process.env.BENCH_DATABASE_URL;
  if (external !== undefined && external !== '') {
    const database = await createScratchDatabase(external);
    const runtime = await openRuntime(
      loadConfig({ DATABASE_URL: database.url, KEY_PEPPER: PEPPER, LOG_LEVEL: 'silent' }),
      logger,
    );
    try {
      return await work(runtime, `PostgreSQL at ${new URL(external).host}`);
    } finally {
      await runtime.close();
      await database.drop();
    }
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'hk-bench-slack-'));
  const port = 56000 + Math.floor(Math.random() * 4000);
  const runtime = await openRuntime(
    loadConfig({ DATA_DIR: dir, EMBEDDED_PG_PORT: String(port), LOG_LEVEL: 'silent' }),
    logger,
  );
  try {
    return await work(runtime, 'embedded PostgreSQL');
  } finally {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function summary(label: string, values: number[], baseline?: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  const p50 = percentile(sorted, 0.5);
  const ratio = baseline === undefined ? '' : `   p50 = ${(p50 / baseline).toFixed(1)}× bare round trip`;
  return `${label.padEnd(34)} p50 ${ms(p50).padStart(9)}   p99 ${ms(percentile(sorted, 0.99)).padStart(9)}   max ${ms(sorted[sorted.length - 1] as number).padStart(9)}${ratio}`;
}

async function main(): Promise<void> {
  const fake = fakeSlack();
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  const fakeUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;

  await withDatabase(async (runtime, kind) => {
    const admin = 'U0BENCHADMIN';
    await runtime.roles.grant(admin, 'admin', 'bench');
    for (let i = 0; i < 20; i++)
      await runtime.partners.create({ actor: admin, name: `Partner ${i}`, preset: ['GET /v1/users'] });
    const keyIds: string[] = [];
    for (let i = 0; i < 200; i++) {
      const { key } = await runtime.keys.create({
        actor: admin,
        description: `Bench key ${i}`,
        grants: ['GET /v1/users', 'GET /v1/jobs'],
      });
      keyIds.push(key.id);
    }

    const slack = createSlackApp({
      config: {
        mode: 'http',
        botToken: 'xoxb-bench',
        signingSecret: SIGNING_SECRET,
        port: 0,
        apiUrl: `${fakeUrl}/api/`,
        command: '/harvest-keys',
        teamId: 'T0BENCH',
      },
      services: runtime.slack,
      logger: createLogger('silent'),
      botIdentity: { botId: 'B0BENCH', botUserId: 'U0BENCHBOT' },
      retryConfig: { retries: 0 },
    });
    await slack.start(0);
    const appUrl = `http://127.0.0.1:${slack.port()}/slack/events`;
    let sequence = 0;

    async function command(text: string): Promise<{ toViewsOpen: number; toAck: number }> {
      sequence += 1;
      const trigger = `${sequence}.bench`;
      const body = new URLSearchParams({
        team_id: 'T0BENCH',
        channel_id: 'C0BENCH',
        user_id: admin,
        command: '/harvest-keys',
        text,
        response_url: `${fakeUrl}/response/${sequence}`,
        trigger_id: trigger,
        api_app_id: 'A0BENCH',
      }).toString();
      const opened = fake.waitFor(trigger);
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
      const sent = performance.now();
      const response = await fetch(appUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': signature,
        },
        body,
      });
      await response.arrayBuffer();
      const acked = performance.now();
      if (response.status !== 200) throw new Error(`command answered ${response.status}`);
      return { toViewsOpen: (await opened) - sent, toAck: acked - sent };
    }

    async function bare(): Promise<number> {
      const sent = performance.now();
      const response = await fetch(`${fakeUrl}/api/api.test`, { method: 'POST', body: 'x=1' });
      await response.arrayBuffer();
      return performance.now() - sent;
    }

    for (let i = 0; i < WARMUP; i++) {
      await command('create');
      await command(`edit ${keyIds[i]}`);
      await bare();
    }
    const create: number[] = [];
    const edit: number[] = [];
    const acks: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < COMMANDS; i++) {
      baseline.push(await bare());
      const c = await command('create');
      create.push(c.toViewsOpen);
      acks.push(c.toAck);
      edit.push((await command(`edit ${keyIds[i % keyIds.length]}`)).toViewsOpen);
    }
    await slack.stop();

    const bareP50 = percentile(
      [...baseline].sort((a, b) => a - b),
      0.5,
    );
    console.log(
      `${COMMANDS} commands each, sequential, on ${kind}; ${runtime.catalog.endpoints.length}-endpoint catalog, 200 keys, 20 partners`,
    );
    console.log(summary('bare HTTP round trip (baseline)', baseline));
    console.log(summary('command → ack', acks, bareP50));
    console.log(summary('`create` → views.open sent', create, bareP50));
    console.log(summary('`edit <id>` → views.open sent', edit, bareP50));
    const p99 = Math.max(
      percentile(
        [...create].sort((a, b) => a - b),
        0.99,
      ),
      percentile(
        [...edit].sort((a, b) => a - b),
        0.99,
      ),
    );
    console.log(`target p99 < 300 ms (Slack's limit is 3 s): ${p99 < 300 ? 'met' : 'MISSED'} (${ms(p99)})`);
  });
  fake.server.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
