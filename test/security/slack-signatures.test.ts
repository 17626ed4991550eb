import { createHmac } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/compose.ts';
import { loadConfig } from '../../src/config.ts';
import { changedTables, snapshotDatabase } from '../helpers/db-snapshot.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { SIGNING_SECRET, type SlackHarness, startSlackHarness, TEAM } from '../helpers/slack-harness.ts';
import { blockActions, viewSubmission } from '../helpers/slack-payloads.ts';
import { catalogFingerprint, Selection } from '../../src/slack/blocks/selection.ts';

/**
 * Slack's request signing: `v0=` HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret, and a timestamp
 * within 5 minutes. Every way of getting it wrong is a 401 and runs nothing: no Slack call, no database change.
 */
let rt: TestRuntime;
let slack: SlackHarness;
const logs = captureLogs('info');
const ADMIN = 'U0SIGADMIN';
let keyId: string;

beforeAll(async () => {
  rt = await createTestRuntime();
  slack = await startSlackHarness(rt, { logger: logs.logger });
  await rt.roles.grant(ADMIN, 'admin', 'test');
  keyId = (await rt.keys.create({ actor: 'cli:test', description: 'Target', grants: ['GET /v1/users'] })).key.id;
});
afterAll(async () => {
  await slack?.close();
  await rt?.dispose();
});

const sign = (body: string, timestamp: number, secret = SIGNING_SECRET) =>
  `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

/** The requests that would change something if accepted: a command, a revoke click, an event. */
function bodies(): { name: string; body: string; type: string }[] {
  const command = new URLSearchParams({
    team_id: TEAM.id,
    user_id: ADMIN,
    command: '/harvest-keys',
    text: `revoke ${keyId}`,
    channel_id: 'C0GENERAL',
    response_url: `https://hooks.slack.com/commands/${TEAM.id}/1/sig`,
    trigger_id: '1.sig',
    api_app_id: 'A0TEST',
  }).toString();
  const click = new URLSearchParams({
    payload: JSON.stringify(
      blockActions(
        ADMIN,
        { type: 'button', action_id: 'key.revoke.confirm', block_id: 'b', value: keyId },
        { view: { type: 'modal', id: 'V0SIG', callback_id: 'key.revoke', blocks: [] }, values: {} },
      ),
    ),
  }).toString();
  const event = JSON.stringify({
    team_id: TEAM.id,
    api_app_id: 'A0TEST',
    type: 'event_callback',
    event_id: `EvSIG${Math.random()}`,
    event_time: now(),
    event: { type: 'app_home_opened', user: ADMIN, channel: 'D0', tab: 'home', event_ts: '1.1' },
    authorizations: [{ team_id: TEAM.id, user_id: 'U0BOTUSER', is_bot: true }],
  });
  return [
    { name: 'slash command', body: command, type: 'application/x-www-form-urlencoded' },
    { name: 'revoke click', body: click, type: 'application/x-www-form-urlencoded' },
    { name: 'event', body: event, type: 'application/json' },
  ];
}

async function raw(body: string, type: string, headers: Record<string, string>) {
  const response = await fetch(slack.url, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
  await response.text();
  return response.status;
}

/** Sends `attempt` for each kind of request and proves nothing ran. */
async function refusedAndInert(attempt: (body: string, type: string) => Promise<number>) {
  for (const { name, body, type } of bodies()) {
    const before = await snapshotDatabase(rt.db.sql);
    const mark = slack.recorder.mark();
    expect(await attempt(body, type), name).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(
      slack.recorder.since(mark).filter((t) => t.kind !== 'ack'),
      name,
    ).toEqual([]);
    expect(changedTables(before, await snapshotDatabase(rt.db.sql)), name).toEqual([]);
  }
}

describe('signed requests', () => {
  it('a correctly signed request is accepted (the control for the refusals below)', async () => {
    const { body, type } = bodies()[2] as { body: string; type: string };
    const ts = now();
    const mark = slack.recorder.mark();
    expect(
      await raw(body, type, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts) }),
    ).toBe(200);
    await slack.recorder.waitFor(mark, 'views.publish');
  });

  it('refuses a valid request replayed more than 5 minutes later', async () => {
    await refusedAndInert((body, type) => {
      const then = now() - 5 * 60 - 1;
      return raw(body, type, { 'x-slack-request-timestamp': String(then), 'x-slack-signature': sign(body, then) });
    });
    await refusedAndInert((body, type) => {
      const then = now() - 24 * 60 * 60;
      return raw(body, type, { 'x-slack-request-timestamp': String(then), 'x-slack-signature': sign(body, then) });
    });
  });

  it('refuses a body changed after signing, and a timestamp changed after signing', async () => {
    await refusedAndInert((body, type) => {
      const ts = now();
      const tampered = body.replace(ADMIN, 'U0SIGADMIX').replace('revoke', 'enable');
      expect(tampered).not.toBe(body);
      return raw(tampered, type, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts) });
    });
    await refusedAndInert((body, type) => {
      const ts = now();
      return raw(`${body} `, type, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts) });
    });
    await refusedAndInert((body, type) => {
      const ts = now();
      return raw(body, type, { 'x-slack-request-timestamp': String(ts - 1), 'x-slack-signature': sign(body, ts) });
    });
  });

  it('refuses a signature made with another secret', async () => {
    await refusedAndInert((body, type) => {
      const ts = now();
      return raw(body, type, {
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': sign(body, ts, 'f'.repeat(32)),
      });
    });
  });

  it('refuses missing, empty and malformed signature headers', async () => {
    const variants: ((body: string, ts: number) => Record<string, string>)[] = [
      () => ({}),
      (body, ts) => ({ 'x-slack-signature': sign(body, ts) }),
      (ts) => ({ 'x-slack-request-timestamp': String(ts) }),
      (_body, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': '' }),
      (_body, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': 'v0=' }),
      (body, ts) => ({
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': sign(body, ts).replace('v0=', 'v1='),
      }),
      (body, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts).toUpperCase() }),
      (body, ts) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts).slice(0, -2) }),
      (body, ts) => ({ 'x-slack-request-timestamp': 'yesterday', 'x-slack-signature': sign(body, ts) }),
      (body) => ({ 'x-slack-request-timestamp': '', 'x-slack-signature': sign(body, Number.NaN) }),
    ];
    for (const headers of variants) await refusedAndInert((body, type) => raw(body, type, headers(body, now())));
  });

  it('runs a valid request replayed within the 5 minutes only once: a create makes one key, not two', async () => {
    const body = createSubmission('Replayed create');
    const ts = now();
    const headers = { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts) };
    const count = () => keysNamed('Replayed create');
    expect(await raw(body, 'application/x-www-form-urlencoded', headers)).toBe(200);
    expect(await count()).toBe(1);
    // The first request's work after its ack (the creator's App Home, now with Needs attention) is its own traffic.
    await slack.recorder.settled();
    const before = await snapshotDatabase(rt.db.sql);
    const mark = slack.recorder.mark();
    expect(await raw(body, 'application/x-www-form-urlencoded', headers)).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await count()).toBe(1);
    expect(changedTables(before, await snapshotDatabase(rt.db.sql))).toEqual([]);
    expect(slack.recorder.since(mark).filter((t) => t.kind !== 'ack' || t.raw.includes('hk_'))).toEqual([]);
    expect(logs.text()).toContain('refused: replayed Slack request');
  });

  it('runs nothing for a request dated more than 5 minutes ahead', async () => {
    for (const { name, body, type } of bodies()) {
      const before = await snapshotDatabase(rt.db.sql);
      const mark = slack.recorder.mark();
      const later = now() + 6 * 60;
      const status = await raw(body, type, {
        'x-slack-request-timestamp': String(later),
        'x-slack-signature': sign(body, later),
      });
      expect([200, 401], name).toContain(status);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(
        slack.recorder.since(mark).filter((t) => t.kind !== 'ack'),
        name,
      ).toEqual([]);
      expect(changedTables(before, await snapshotDatabase(rt.db.sql)), name).toEqual([]);
    }
  });

  it('leaves the key untouched after all of it, and logs no signature or secret', async () => {
    expect((await rt.keys.get(keyId)).status).toBe('active');
    expect(logs.text()).not.toContain(SIGNING_SECRET);
  });
});

/** A dialog submission that creates a key named `description` when it runs: the effect a replay would repeat. */
function createSubmission(description: string): string {
  const meta = {
    f: 'create',
    p: 0,
    r: 0,
    s: Selection.of(rt.catalog, []).encode(),
    c: catalogFingerprint(rt.catalog),
    partnerId: null,
    pn: null,
    ps: 0,
    d: description,
    dl: null,
    // No permissions ticked, and the dialog already asked about that.
    z: 1,
  };
  const payload = viewSubmission(
    ADMIN,
    {
      type: 'modal',
      id: 'V0REPLAY',
      callback_id: 'key.permissions',
      private_metadata: JSON.stringify(meta),
      blocks: [],
    },
    {},
  );
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
const keysNamed = async (description: string) => (await rt.keys.list({ text: description, limit: 10 })).total;

/** Sends exactly these header lines (repeated names, odd spacing), which fetch would normalise away. */
function rawRequest(url: string, body: string, headers: [string, string][]): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines: Record<string, string[]> = { 'content-type': ['application/x-www-form-urlencoded'] };
    for (const [name, value] of headers) lines[name] = [...(lines[name] ?? []), value];
    const request = http.request(url, { method: 'POST', headers: lines }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('one signed request runs once, whatever is done to its headers', () => {
  it('a signature header carrying anything besides v0= and 64 lower-case hex digits is refused with 401 and runs nothing', async () => {
    const description = 'Mutated header create';
    const body = createSubmission(description);
    const ts = now();
    const signature = sign(body, ts);
    const hex = signature.slice(3);
    expect(
      await raw(body, 'application/x-www-form-urlencoded', {
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signature,
      }),
    ).toBe(200);
    expect(await keysNamed(description)).toBe(1);
    // The accepted create's own follow-up calls to Slack finish first, so they are not counted against a mutation.
    for (let quiet = slack.recorder.mark(); ; quiet = slack.recorder.mark()) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (slack.recorder.since(quiet).length === 0) break;
    }
    const mutations = [
      `${signature}=x`,
      `${signature}=`,
      `${signature}==`,
      `${signature}=${signature}`,
      `${signature}=v0=${hex}`,
      `v0=${hex.toUpperCase()}`,
      `V0=${hex}`,
      `v0=${hex.slice(0, 10).toUpperCase()}${hex.slice(10)}`,
      `v0=${hex}, ${signature}`,
      `v0=${hex}x`,
      `v0=${hex.slice(2)}`,
    ];
    for (const mutated of mutations) {
      const before = await snapshotDatabase(rt.db.sql);
      const mark = slack.recorder.mark();
      expect(
        await raw(body, 'application/x-www-form-urlencoded', {
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': mutated,
        }),
        mutated,
      ).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await keysNamed(description), mutated).toBe(1);
      expect(changedTables(before, await snapshotDatabase(rt.db.sql)), mutated).toEqual([]);
      expect(
        slack.recorder.since(mark).filter((t) => t.kind !== 'ack'),
        mutated,
      ).toEqual([]);
    }
  });

  it('a repeated signature header, spacing around it, or a timestamp written another way runs nothing a second time', async () => {
    const description = 'Respelled header create';
    const body = createSubmission(description);
    const ts = now();
    const signature = sign(body, ts);
    const variants: [string, string][][] = [
      [
        ['x-slack-request-timestamp', String(ts)],
        ['x-slack-signature', signature],
      ],
      [
        ['x-slack-request-timestamp', String(ts)],
        ['x-slack-signature', signature],
        ['x-slack-signature', signature],
      ],
      [
        ['x-slack-request-timestamp', String(ts)],
        ['x-slack-signature', `${signature}=x`],
        ['x-slack-signature', signature],
      ],
      [
        ['x-slack-request-timestamp', String(ts)],
        ['x-slack-signature', ` ${signature} `],
      ],
      [
        ['x-slack-request-timestamp', String(ts)],
        ['x-slack-signature', `\t${signature}`],
      ],
      [
        ['x-slack-request-timestamp', String(ts)],
        ['x-slack-request-timestamp', String(ts)],
        ['x-slack-signature', signature],
      ],
      [
        ['x-slack-request-timestamp', `0${ts}`],
        ['x-slack-signature', signature],
      ],
      [
        ['x-slack-request-timestamp', `+${ts}`],
        ['x-slack-signature', signature],
      ],
      [
        ['x-slack-request-timestamp', `${ts}.0`],
        ['x-slack-signature', signature],
      ],
      [
        ['x-slack-request-timestamp', ` ${ts} `],
        ['x-slack-signature', signature],
      ],
      [
        ['x-slack-request-timestamp', `${ts}e0`],
        ['x-slack-signature', signature],
      ],
    ];
    for (const [index, headers] of variants.entries()) {
      const status = await rawRequest(slack.url, body, headers);
      if (index === 0) expect(status).toBe(200);
      else expect([200, 401], JSON.stringify(headers)).toContain(status);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await keysNamed(description), JSON.stringify(headers)).toBe(1);
    }
  });
});

describe('two instances on one database', () => {
  let second: Runtime;
  let other: SlackHarness;
  beforeAll(async () => {
    const config = loadConfig({
      DATABASE_URL: rt.database.url,
      KEY_PEPPER: TEST_PEPPER,
      LOG_LEVEL: 'silent',
      APPROVAL_REQUIRED_FOR: 'none',
      DATA_DIR: rt.config.dataDir,
    });
    second = await openRuntime(config, logs.logger, { migrate: false });
    other = await startSlackHarness(second, { logger: logs.logger });
  });
  afterAll(async () => {
    await other?.close();
    await second?.close();
  });

  it('the same signed request sent to a second instance within the 5 minutes does nothing there', async () => {
    const description = 'Cross-instance create';
    const body = createSubmission(description);
    const ts = now();
    const headers = { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts) };
    expect(await raw(body, 'application/x-www-form-urlencoded', headers)).toBe(200);
    expect(await keysNamed(description)).toBe(1);
    const answer = await fetch(other.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
    expect(answer.status).toBe(200);
    expect(await answer.text()).not.toContain('hk_');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await keysNamed(description)).toBe(1);
  });

  it('the same signed request sent to both instances at the same moment runs once', async () => {
    for (let round = 0; round < 5; round++) {
      const description = `Simultaneous create ${round}`;
      const body = createSubmission(description);
      const ts = now();
      const headers = {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': sign(body, ts),
      };
      const statuses = await Promise.all(
        [slack.url, other.url, slack.url, other.url].map(
          async (url) => (await fetch(url, { method: 'POST', headers, body })).status,
        ),
      );
      expect(statuses).toEqual([200, 200, 200, 200]);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await keysNamed(description)).toBe(1);
    }
  });
});

describe('the replay memory is out of reach', () => {
  it('a signed request arriving while the database is down runs nothing and the person is told to try again', async () => {
    const direct = new URL(rt.database.url);
    const proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
    direct.hostname = '127.0.0.1';
    direct.port = String(proxy.port);
    const config = loadConfig({
      DATABASE_URL: direct.toString(),
      KEY_PEPPER: TEST_PEPPER,
      LOG_LEVEL: 'silent',
      APPROVAL_REQUIRED_FOR: 'none',
      DATA_DIR: rt.config.dataDir,
    });
    const viaProxy = await openRuntime(config, logs.logger, { migrate: false });
    const cutOff = await startSlackHarness(viaProxy, { logger: logs.logger });
    try {
      await proxy.cut();
      const description = 'Created during an outage';
      const body = createSubmission(description);
      const ts = now();
      const mark = cutOff.recorder.mark();
      const answer = await fetch(cutOff.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': sign(body, ts),
        },
        body,
      });
      expect(answer.status).toBe(200);
      expect(await answer.text()).toMatch(/cannot reach its database[^"]*try again/);
      await cutOff.recorder.waitFor(mark, 'chat.postMessage', (t) => /try again/.test(String(t.body.text)));
      await proxy.restore();
      expect(await keysNamed(description)).toBe(0);
    } finally {
      await cutOff.close();
      await viaProxy.close();
      await proxy.close();
    }
  });
});
