import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import http from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubSignatureVerifier } from '../../src/http/github-signature.ts';
import { MAX_REPORT_BYTES, SECRET_SCANNING_PATH, secretScanningRoute } from '../../src/http/secret-scanning-route.ts';
import { createHttpServer, type HttpServer, listen } from '../../src/http/server.ts';
import { SECRET_SCANNING_TYPE } from '../../src/keys/secret-format.ts';
import { createLeakResponse, type LeakFinding, type LeakResponse } from '../../src/keys/leak-response.ts';
import { startServer } from '../helpers/processes.ts';
import { TEST_PEPPER } from '../helpers/runtime.ts';
import { blockActions, findElement } from '../helpers/slack-payloads.ts';
import { slackSuite } from '../helpers/slack-suite.ts';

const CHANNEL = 'C0ALERTS';
const { rt, slack, logs, admin, userWith } = slackSuite({ env: { ALERTS_CHANNEL: CHANNEL }, logRuntime: true });

/** A GitHub signing key: ECDSA P-256, published as SPKI PEM under a hex identifier, as GitHub does. */
interface GithubKey {
  id: string;
  privateKey: KeyObject;
  pem: string;
}

function githubKey(): GithubKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { id: createHash('sha256').update(pem).digest('hex'), privateKey, pem };
}

/** GitHub's `meta/public_keys/secret_scanning`, served locally: the keys it lists can change, and fetches are counted. */
async function keysServer(initial: GithubKey[]) {
  let published = initial;
  let fetches = 0;
  const server = http.createServer((_req, res) => {
    fetches += 1;
    const body = JSON.stringify({
      public_keys: published.map((k, i) => ({ key_identifier: k.id, key: k.pem, is_current: i === 0 })),
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/meta/public_keys/secret_scanning`,
    publish: (keys: GithubKey[]) => {
      published = keys;
    },
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Report = { token: string; type: string; url: string; source: string }[];

const GITHUB = githubKey();
let keys: Awaited<ReturnType<typeof keysServer>>;
let route: HttpServer;
let alertMode: HttpServer;
/** Announcements the routes started, so a test can wait for them (GitHub's answer never waits for Slack). */
const announcing: Promise<void>[] = [];
const counted: Record<string, number> = {};

function startRoute(leaks: () => Pick<LeakResponse, 'report'>, verifier = GITHUB_VERIFIER()): Promise<HttpServer> {
  const server = createHttpServer({
    logger: logs.logger,
    readiness: [],
    routes: [
      secretScanningRoute({
        verifier,
        leaks,
        announce: (finding: LeakFinding) => {
          const sent = slack.app.announceLeak(finding);
          announcing.push(sent);
          return sent;
        },
        logger: logs.logger,
        counted: (label, count) => {
          counted[label] = (counted[label] ?? 0) + count;
        },
      }),
    ],
  });
  return listen(server.server, 0, '127.0.0.1').then(() => server);
}

const GITHUB_VERIFIER = () => createGithubSignatureVerifier({ url: keys.url, logger: logs.logger });

beforeAll(async () => {
  keys = await keysServer([GITHUB]);
  route = await startRoute(() => rt.leaks);
  alertMode = await startRoute(() =>
    createLeakResponse({
      findByDigest: (digest) => rt.store.keys.findByDigest(digest),
      digest: rt.digest,
      keys: rt.keys,
      action: 'alert',
    }),
  );
});

afterAll(async () => {
  await route?.close();
  await alertMode?.close();
  await keys?.close();
});

/** POSTs a report exactly as GitHub does: the raw JSON body signed with ECDSA P-256/SHA-256, base64 DER. */
async function report(
  items: Report | string,
  options: { server?: HttpServer; key?: GithubKey; signature?: string; identifier?: string | null } = {},
) {
  const body = typeof items === 'string' ? items : JSON.stringify(items);
  const key = options.key ?? GITHUB;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/test' };
  if (options.identifier !== null) headers['Github-Public-Key-Identifier'] = options.identifier ?? key.id;
  headers['Github-Public-Key-Signature'] =
    options.signature ?? sign('sha256', Buffer.from(body), key.privateKey).toString('base64');
  const response = await fetch(`http://127.0.0.1:${(options.server ?? route).port()}${SECRET_SCANNING_PATH}`, {
    method: 'POST',
    headers,
    body,
  });
  return { status: response.status, json: (await response.json()) as unknown };
}

const item = (token: string, url = 'https://github.com/octo/app/blob/abc123/.env') => ({
  token,
  type: SECRET_SCANNING_TYPE,
  url,
  source: 'commit',
});

async function newKey(description: string) {
  return rt.keys.create({ actor: 'U0CREATOR', description, grants: ['GET /v1/users'] });
}

/** A token in our shape with a valid checksum that no key of ours has. */
const stranger = () => rt.secretFormat.generate();

async function announced() {
  await Promise.all(announcing.splice(0));
}

const alertsFor = (keyId: string) =>
  slack.recorder
    .calls('chat.postMessage')
    .filter((t) => t.body.channel === CHANNEL && JSON.stringify(t.body).includes(keyId));

describe('POST /secret-scanning/github', () => {
  it('labels a key of ours true_positive and anything else false_positive, and revokes ours at once', async () => {
    const { key, secret } = await newKey('Leaky integration');
    const other = stranger();
    const url = 'https://github.com/octo/app/blob/abc123/.env';
    const answer = await report([item(secret, url), item(other), item('not-even-a-key')]);
    expect(answer).toEqual({
      status: 200,
      json: [
        { token_raw: secret, token_type: SECRET_SCANNING_TYPE, label: 'true_positive' },
        { token_raw: other, token_type: SECRET_SCANNING_TYPE, label: 'false_positive' },
        { token_raw: 'not-even-a-key', token_type: SECRET_SCANNING_TYPE, label: 'false_positive' },
      ],
    });
    const revoked = await rt.keys.get(key.id);
    expect(revoked).toMatchObject({
      status: 'revoked',
      revokedBy: 'github-secret-scanning',
      revokeReason: `leaked: ${url}`,
    });
    const audit = await rt.store.audit.list({ keyId: key.id });
    expect(audit.filter((e) => e.action === 'key.revoked')).toEqual([
      expect.objectContaining({ actor: 'github-secret-scanning', details: { reason: `leaked: ${url}` } }),
    ]);
    const check = await rt.keys.check(secret, 'GET', '/v1/users');
    expect(check).toMatchObject({ outcome: 'decided', decision: { allowed: false } });
  });

  it('announces the leak once in ALERTS_CHANNEL with a Replace and deliver button, and never the secret', async () => {
    const { key, secret } = await newKey('Announced integration');
    await report([item(secret)]);
    await announced();
    const [alert, ...more] = alertsFor(key.id);
    expect(more).toEqual([]);
    expect(alert?.body.text).toContain('Leaked API key: Announced integration');
    expect(alert?.raw).toContain('revoked at once');
    expect(alert?.raw).not.toContain(secret);
    expect(findElement(alert?.body as { blocks: unknown }, 'leak.replace').element).toMatchObject({ value: key.id });
  });

  it('is idempotent: the same report twice revokes once and alerts once', async () => {
    const { key, secret } = await newKey('Reported twice');
    const first = await report([item(secret)]);
    await announced();
    const second = await report([item(secret), item(secret)]);
    await announced();
    await slack.app.runAlertSweeps();
    expect(second.json).toEqual([...(first.json as unknown[]), ...(first.json as unknown[])]);
    const audit = await rt.store.audit.list({ keyId: key.id });
    expect(audit.filter((e) => e.action === 'key.revoked')).toHaveLength(1);
    expect(alertsFor(key.id)).toHaveLength(1);
  });

  it('answers true_positive for a key already revoked, and keeps the earlier revocation as it was', async () => {
    const { key, secret } = await newKey('Revoked before');
    await rt.keys.revoke(key.id, { actor: 'U0ADMIN', reason: 'partner left' });
    const answer = await report([item(secret)]);
    await announced();
    expect(answer.json).toEqual([expect.objectContaining({ label: 'true_positive' })]);
    expect(await rt.keys.get(key.id)).toMatchObject({ revokedBy: 'U0ADMIN', revokeReason: 'partner left' });
    expect(
      alertsFor(key.id)
        .map((t) => t.raw)
        .join(''),
    ).toContain('already revoked');
  });

  it('refuses a missing or bad signature with 401 and changes nothing', async () => {
    const { key, secret } = await newKey('Forged reports');
    const body = JSON.stringify([item(secret)]);
    const impostor = githubKey();
    const answers = [
      await report(body, { identifier: null }),
      await report(body, { signature: '' }),
      // Signed by someone else's key under GitHub's identifier.
      await report(body, { signature: sign('sha256', Buffer.from(body), impostor.privateKey).toString('base64') }),
      // GitHub's signature over another body.
      await report(body, { signature: sign('sha256', Buffer.from('[]'), GITHUB.privateKey).toString('base64') }),
      await report(body, { signature: 'bm90IGEgc2lnbmF0dXJl' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    expect(JSON.stringify(answers)).not.toContain(secret);
    expect(await rt.keys.get(key.id)).toMatchObject({ status: 'active' });
    await announced();
    expect(alertsFor(key.id)).toEqual([]);
  });

  it('refuses a body over 1 MB with 413, declared or streamed, and changes nothing', async () => {
    const { key, secret } = await newKey('Oversized report');
    const padding = 'x'.repeat(MAX_REPORT_BYTES);
    const body = JSON.stringify([{ ...item(secret), padding }]);
    const declared = await report(body);
    expect(declared.status).toBe(413);
    // Chunked: no Content-Length to refuse on, so the cap applies while reading.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: route.port(), path: SECRET_SCANNING_PATH, method: 'POST' },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.setHeader('content-type', 'application/json');
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.slice(i, i + 64 * 1024));
      req.end();
    });
    expect(streamed).toBe(413);
    expect(await rt.keys.get(key.id)).toMatchObject({ status: 'active' });
  });

  it('acts on a report that names only the token', async () => {
    const { key, secret } = await newKey('Bare report');
    const answer = await report(JSON.stringify([{ token: secret }]));
    await announced();
    expect(answer).toEqual({ status: 200, json: [{ token_raw: secret, token_type: '', label: 'true_positive' }] });
    expect(await rt.keys.get(key.id)).toMatchObject({
      status: 'revoked',
      revokeReason: 'leaked: found in public by GitHub secret scanning',
    });
  });

  it('refuses a signed body that is not a report with 400', async () => {
    expect((await report('{"token":"x"}')).status).toBe(400);
    expect((await report('not json')).status).toBe(400);
  });

  it('in alert mode labels and announces a key of ours but leaves it active', async () => {
    const { key, secret } = await newKey('Alert only');
    const answer = await report([item(secret)], { server: alertMode });
    await announced();
    expect(answer.json).toEqual([expect.objectContaining({ label: 'true_positive' })]);
    expect(await rt.keys.get(key.id)).toMatchObject({ status: 'active' });
    const alerts = alertsFor(key.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.raw).toContain('still active');
  });

  it('posts an alert whose first post failed on the next alert sweep', async () => {
    const { key, secret } = await newKey('Slack was down');
    slack.recorder.failNext('chat.postMessage', { error: 'not_in_channel' });
    await report([item(secret)]);
    await announced();
    // The refused attempt; the claim was given back.
    expect(alertsFor(key.id)).toHaveLength(1);
    await slack.app.runAlertSweeps();
    await slack.app.runAlertSweeps();
    expect(alertsFor(key.id)).toHaveLength(2);
    expect(await rt.slack.alertClaims.claim(`leak:${key.id}`)).toBe(false);
  });

  it('opens the replace dialog from the alert for an admin, and refuses anyone else', async () => {
    const { key, secret } = await newKey('Replace me');
    await report([item(secret)]);
    await announced();
    const alert = alertsFor(key.id)[0];
    const { block, element } = findElement(alert?.body as { blocks: unknown }, 'leak.replace');
    const click = (user: string) =>
      blockActions(
        user,
        {
          type: 'button',
          action_id: 'leak.replace',
          block_id: block.block_id as string,
          value: element.value as string,
        },
        {
          message: { ...alert?.body, ts: '1700000000.000200' },
          responseUrl: 'https://hooks.slack.com/actions/T0TEST/2/leak',
        },
      );
    const viewer = await userWith('approver');
    const mark = slack.recorder.mark();
    await slack.interaction(click(viewer));
    const refusal = await slack.recorder.waitFor(mark, 'chat.postEphemeral', (t) => t.body.user === viewer);
    expect(refusal.raw).toContain('only admins');
    expect(slack.recorder.since(mark, 'views.open')).toEqual([]);

    const owner = await admin();
    const opened = slack.recorder.mark();
    await slack.interaction(click(owner));
    const dialog = await slack.recorder.waitFor(opened, 'views.open');
    expect(dialog.body.view).toMatchObject({ callback_id: 'key.replace' });
    expect(dialog.raw).toContain('already revoked');
  });

  it('never writes a reported token to the log, and counts tokens by label', async () => {
    const { secret } = await newKey('Quiet');
    const other = stranger();
    await report([item(secret), item(other)]);
    await announced();
    expect(logs.text()).toContain('secret scanning report answered');
    expect(logs.text()).not.toContain(secret);
    expect(logs.text()).not.toContain(other);
    expect(counted.true_positive).toBeGreaterThan(0);
    expect(counted.false_positive).toBeGreaterThan(0);
  });
});

describe("GitHub's secret scanning keys", () => {
  it('are fetched once, refetched for an unknown identifier (at most once a minute) and when an hour old', async () => {
    const rotated = githubKey();
    const server = await keysServer([GITHUB]);
    let clock = 1_000_000;
    const verifier = createGithubSignatureVerifier({ url: server.url, logger: logs.logger, now: () => clock });
    const scanning = await startRoute(() => rt.leaks, verifier);
    try {
      const body = JSON.stringify([item(stranger())]);
      expect((await report(body, { server: scanning })).status).toBe(200);
      expect((await report(body, { server: scanning })).status).toBe(200);
      expect(server.fetches()).toBe(1);

      // GitHub rotates: the new identifier is unknown here until the keys are fetched again.
      server.publish([rotated, GITHUB]);
      clock += 61_000;
      expect((await report(body, { server: scanning, key: rotated })).status).toBe(200);
      expect(server.fetches()).toBe(2);

      // A made-up identifier costs one refetch a minute at most.
      const unknown = githubKey();
      clock += 61_000;
      expect((await report(body, { server: scanning, key: unknown })).status).toBe(401);
      expect((await report(body, { server: scanning, key: unknown })).status).toBe(401);
      expect(server.fetches()).toBe(3);

      // A key GitHub withdrew stops being trusted once the cached keys are an hour old.
      server.publish([rotated]);
      clock += 3_600_000;
      expect((await report(body, { server: scanning, key: GITHUB })).status).toBe(401);
      expect((await report(body, { server: scanning, key: rotated })).status).toBe(200);
      expect(server.fetches()).toBe(4);
    } finally {
      await scanning.close();
      await server.close();
    }
  });

  it('answer 503 while no keys could be fetched, so GitHub tries again', async () => {
    const verifier = createGithubSignatureVerifier({ url: 'http://127.0.0.1:9/nothing', logger: logs.logger });
    const scanning = await startRoute(() => rt.leaks, verifier);
    try {
      expect((await report([item(stranger())], { server: scanning })).status).toBe(503);
    } finally {
      await scanning.close();
    }
  });
});

describe('attacks on the route', () => {
  it("costs one fetch of GitHub's keys a minute while they cannot be fetched, however many reports are sent", async () => {
    let fetches = 0;
    const failing = http.createServer((_req, res) => {
      fetches += 1;
      res.writeHead(500).end();
    });
    await listen(failing, 0, '127.0.0.1');
    let clock = 5_000_000;
    const verifier = createGithubSignatureVerifier({
      url: `http://127.0.0.1:${(failing.address() as AddressInfo).port}/keys`,
      logger: logs.logger,
      now: () => clock,
    });
    const scanning = await startRoute(() => rt.leaks, verifier);
    try {
      const body = JSON.stringify([item(stranger())]);
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await report(body, { server: scanning })).status);
      expect(statuses).toEqual([503, 503, 503, 503, 503]);
      expect(fetches).toBe(1);
      clock += 61_000;
      expect((await report(body, { server: scanning })).status).toBe(503);
      expect(fetches).toBe(2);
    } finally {
      await scanning.close();
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
  });

  it('trusts no key of another curve or algorithm that the keys document lists', async () => {
    const others = [
      generateKeyPairSync('ec', { namedCurve: 'secp384r1' }),
      generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
      generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ].map(({ privateKey, publicKey }) => {
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      return { id: createHash('sha256').update(pem).digest('hex'), privateKey, pem };
    });
    const server = await keysServer([GITHUB, ...others]);
    const scanning = await startRoute(
      () => rt.leaks,
      createGithubSignatureVerifier({ url: server.url, logger: logs.logger }),
    );
    try {
      const { key, secret } = await newKey('Other curves');
      const body = JSON.stringify([item(secret)]);
      const statuses = [];
      for (const other of others) statuses.push((await report(body, { server: scanning, key: other })).status);
      expect(statuses).toEqual([401, 401, 401]);
      expect(await rt.keys.get(key.id)).toMatchObject({ status: 'active' });
    } finally {
      await scanning.close();
      await server.close();
    }
  });

  it('keeps a token that the reported URL or source repeats out of the revoke reason, the audit, the log and Slack', async () => {
    const { key, secret } = await newKey('Token in the URL');
    const url = `https://gist.github.com/octo/1?raw=${secret}`;
    const answer = await report([{ token: secret, type: SECRET_SCANNING_TYPE, url, source: `paste ${secret}` }]);
    await announced();
    expect(answer.status).toBe(200);
    const revoked = await rt.keys.get(key.id);
    expect(revoked.status).toBe('revoked');
    expect(revoked.revokeReason).not.toContain(secret);
    expect(revoked.revokeReason).toContain('https://gist.github.com/octo/1?raw=');
    expect(JSON.stringify(await rt.store.audit.list({ keyId: key.id }))).not.toContain(secret);
    expect(logs.text()).not.toContain(secret);
    const alerts = alertsFor(key.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.raw).not.toContain(secret);
  });

  it('answers anything but POST with 405 and no-store, and paths below the route with 404', async () => {
    const base = `http://127.0.0.1:${route.port()}`;
    for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS']) {
      const response = await fetch(`${base}${SECRET_SCANNING_PATH}`, { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(response.headers.get('cache-control')).toBe('no-store');
      await response.body?.cancel();
    }
    const below = await fetch(`${base}${SECRET_SCANNING_PATH}/x`, { method: 'POST', body: '[]' });
    expect(below.status).toBe(404);
    expect(below.headers.get('cache-control')).toBe('no-store');
    await below.body?.cancel();
  });

  it('answers a body that stops arriving with 408 and closes the connection, changing nothing', async () => {
    const { key, secret } = await newKey('Slow sender');
    const server = createHttpServer({
      logger: logs.logger,
      readiness: [],
      routes: [
        secretScanningRoute({
          verifier: GITHUB_VERIFIER(),
          leaks: () => rt.leaks,
          announce: () => {},
          logger: logs.logger,
          bodyTimeoutMs: 200,
        }),
      ],
    });
    await listen(server.server, 0, '127.0.0.1');
    try {
      const body = JSON.stringify([item(secret)]);
      const signature = sign('sha256', Buffer.from(body), GITHUB.privateKey).toString('base64');
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: server.port() });
        let received = '';
        socket.on('data', (chunk) => {
          received += String(chunk);
        });
        socket.on('end', () => resolve(received));
        socket.on('error', reject);
        // Headers and the first bytes of the body, then nothing more.
        socket.write(
          `POST ${SECRET_SCANNING_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
            `Github-Public-Key-Identifier: ${GITHUB.id}\r\nGithub-Public-Key-Signature: ${signature}\r\n` +
            `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
        );
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer.toLowerCase()).toContain('cache-control: no-store');
      expect(await rt.keys.get(key.id)).toMatchObject({ status: 'active' });
    } finally {
      await server.close();
    }
  });

  it('answers 503 to reports beyond those it is handling at once, without reading them, and takes the next after', async () => {
    const server = createHttpServer({
      logger: logs.logger,
      readiness: [],
      routes: [
        secretScanningRoute({
          verifier: GITHUB_VERIFIER(),
          leaks: () => rt.leaks,
          announce: () => {},
          logger: logs.logger,
          maxConcurrent: 1,
        }),
      ],
    });
    await listen(server.server, 0, '127.0.0.1');
    try {
      const body = JSON.stringify([item(stranger())]);
      const signature = sign('sha256', Buffer.from(body), GITHUB.privateKey).toString('base64');
      // The first report's body arrives in two parts; the second is sent while the first waits for its rest.
      // The route's handler runs first (it was registered first): once this fires, the first report is counted.
      const received = new Promise<void>((resolve) => server.server.once('request', () => resolve()));
      const socket = connect({ host: '127.0.0.1', port: server.port() });
      let first = '';
      const firstAnswered = new Promise<void>((resolve) => {
        socket.on('data', (chunk) => {
          first += String(chunk);
          if (first.includes('\r\n\r\n')) resolve();
        });
      });
      socket.write(
        `POST ${SECRET_SCANNING_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          `Github-Public-Key-Identifier: ${GITHUB.id}\r\nGithub-Public-Key-Signature: ${signature}\r\n` +
          `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
      );
      await received;
      const second = await report(body, { server });
      expect(second).toEqual({ status: 503, json: { error: 'busy' } });
      socket.write(body.slice(10));
      await firstAnswered;
      socket.destroy();
      expect(first).toMatch(/^HTTP\/1\.1 200 /);
      expect((await report(body, { server })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('refuses signed JSON nested a hundred thousand deep with 400', async () => {
    expect((await report(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).status).toBe(400);
  });
});

describe('the server process', () => {
  it('serves the route on AUTHZ_PORT as `npm start` runs it: revokes, answers, and logs no token', async () => {
    const { key, secret } = await newKey('Found by GitHub');
    const server = await startServer({
      DATABASE_URL: rt.database.url,
      KEY_PEPPER: TEST_PEPPER,
      SECRET_SCANNING_KEYS_URL: keys.url,
    });
    try {
      const body = JSON.stringify([item(secret, 'https://gist.github.com/octo/1')]);
      const response = await fetch(`http://127.0.0.1:${server.port}${SECRET_SCANNING_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'Github-Public-Key-Identifier': GITHUB.id,
          'Github-Public-Key-Signature': sign('sha256', Buffer.from(body), GITHUB.privateKey).toString('base64'),
        },
        body,
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([expect.objectContaining({ label: 'true_positive' })]);
      expect(await rt.keys.get(key.id)).toMatchObject({
        status: 'revoked',
        revokedBy: 'github-secret-scanning',
        revokeReason: 'leaked: https://gist.github.com/octo/1',
      });
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // Read once the process has exited: its stdout pipe may deliver the line after the HTTP answer arrived.
    expect(server.output()).toContain('"event":"key.leaked"');
    expect(server.output()).not.toContain(secret);
  });
});
