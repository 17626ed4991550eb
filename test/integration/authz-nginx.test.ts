import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { basic, waitUntil } from '../helpers/authz-client.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { ROOT, type ServerProcess, startServer } from '../helpers/processes.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((candidate) => existsSync(candidate));
if (NGINX === undefined) {
  console.warn(
    'SKIPPED the nginx gateway test: no nginx binary (install it: apt-get install -y --no-install-recommends nginx)',
  );
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(NGINX === undefined)('nginx auth_request in front of an API (manifests/gateways/nginx.conf)', () => {
  let rt: TestRuntime;
  let authz: ServerProcess;
  let upstream: http.Server;
  let nginx: ChildProcess;
  let dir: string;
  let nginxPort: number;
  let nginxLog = '';
  let granted: { secret: string; id: string };
  /** Every request the API received, headers as Node saw them. */
  const received: { url: string; headers: http.IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    rt = await createTestRuntime();
    await rt.partners.create({ actor: anAdmin(), name: 'Gateway Partner', preset: [] });
    const issued = await rt.keys.create({
      actor: anAdmin(),
      partner: 'Gateway Partner',
      grants: ['GET /v1/candidates', 'GET /v1/candidates/:id'],
    });
    granted = { secret: issued.secret, id: issued.key.id };
    authz = await startServer({
      DATABASE_URL: rt.database.url,
      KEY_PEPPER: TEST_PEPPER,
      // Nothing listens there: a secret scanning report is answered 503 by harvest-keys, without leaving this machine.
      SECRET_SCANNING_KEYS_URL: 'http://127.0.0.1:9/keys',
    });

    // The API: echoes what it was told about the caller.
    upstream = http.createServer((req, res) => {
      received.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          path: req.url,
          keyId: req.headers['x-key-id'] ?? null,
          partner: req.headers['x-partner'] ?? null,
        }),
      );
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (upstream.address() as AddressInfo).port;

    dir = await mkdtemp(path.join(tmpdir(), 'hk-nginx-'));
    nginxPort = await freePort();
    const example = await readFile(path.join(ROOT, 'manifests/gateways/nginx.conf'), 'utf8');
    const site = example
      .replace('server 127.0.0.1:3001;', `server 127.0.0.1:${authz.port};`)
      .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${upstreamPort};`)
      .replace('listen 127.0.0.1:8000;', `listen 127.0.0.1:${nginxPort};`)
      .replaceAll('/var/log/nginx/', `${dir}/logs/`);
    expect(site).not.toBe(example);
    await mkdir(path.join(dir, 'logs'));
    await writeFile(path.join(dir, 'harvest.conf'), site);
    await writeFile(
      path.join(dir, 'nginx.conf'),
      [
        'daemon off;',
        // One process and no user switch: runs the same as root (CI) or not.
        'master_process off;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        'events { worker_connections 64; }',
        'http {',
        // nginx's built-in default (at its compiled-in path): what runs when the shipped file sets no access log.
        `  access_log ${dir}/logs/access.log combined;`,
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
        `  include ${dir}/harvest.conf;`,
        '}',
      ].join('\n'),
    );
    nginx = spawn(NGINX as string, ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    nginx.stdout?.on('data', (chunk) => (nginxLog += String(chunk)));
    nginx.stderr?.on('data', (chunk) => (nginxLog += String(chunk)));
    await waitUntil(async () => {
      if (nginx.exitCode !== null)
        throw new Error(`nginx exited: ${nginxLog}${await readFile(`${dir}/error.log`, 'utf8').catch(() => '')}`);
      return fetch(`http://127.0.0.1:${nginxPort}/`).then(
        () => true,
        () => false,
      );
    });
  });

  afterAll(async () => {
    if (nginx !== undefined && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await new Promise((resolve) => upstream?.close(resolve));
    await authz?.stop();
    await rt?.dispose();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const call = (pathname: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`http://127.0.0.1:${nginxPort}${pathname}`, { method, headers });

  it('passes a granted endpoint to the API with the key id and partner, overriding what the client claimed', async () => {
    const response = await call('/v1/candidates/42?x=1', {
      authorization: basic(granted.secret),
      'x-key-id': 'key_forged',
      'x-partner': 'Forged',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      path: '/v1/candidates/42?x=1',
      keyId: granted.id,
      partner: 'Gateway Partner',
    });
  });

  it('answers 403 naming the missing permission for an ungranted endpoint, without reaching the API', async () => {
    const response = await call('/v1/candidates/42', { authorization: basic(granted.secret) }, 'DELETE');
    expect(response.status).toBe(403);
    expect(response.headers.get('x-required-permission')).toBe('DELETE: Delete Candidate');
    expect(await response.json()).toMatchObject({
      error: 'forbidden',
      required_permission: 'DELETE: Delete Candidate',
    });
  });

  it('does not let a client pick the judged target with its own target headers', async () => {
    const response = await call(
      '/v1/candidates/42',
      {
        authorization: basic(granted.secret),
        'x-forwarded-method': 'GET',
        'x-forwarded-uri': '/v1/candidates',
      },
      'DELETE',
    );
    expect(response.status).toBe(403);
  });

  it('refuses a target a Java servlet upstream would route elsewhere (/v1/candidates/.; is List Candidates to Tomcat)', async () => {
    const issued = await rt.keys.create({
      actor: anAdmin(),
      description: 'Retrieve only',
      grants: ['GET /v1/candidates/:id'],
    });
    const headers = { authorization: basic(issued.secret) };
    await waitUntil(async () => (await call('/v1/candidates/7', headers)).status === 200);
    for (const pathname of [
      '/v1/candidates/.;',
      '/v1/candidates/..;',
      '/v1/candidates/%2e%3B',
      '/v1/candidates/7;x',
      '/v1/candidates/%252e%252e',
    ]) {
      const response = await call(pathname, headers);
      expect(response.status, pathname).toBe(403);
      // nginx's own 403 page (the manifest's), not the API's echo: the request never reached the API.
      expect(await response.json()).toMatchObject({ error: 'forbidden' });
    }
  });

  it('judges keys limited to networks by the address nginx saw, whatever forwarding headers the client sends', async () => {
    const spoofed = {
      'x-forwarded-for': '203.0.113.9',
      'x-real-ip': '203.0.113.9',
      forwarded: 'for=203.0.113.9',
      'true-client-ip': '203.0.113.9',
    };
    const here = await rt.keys.create({
      actor: anAdmin(),
      description: 'From this host',
      grants: ['GET /v1/candidates'],
      allowedNetworks: ['127.0.0.0/8'],
    });
    await waitUntil(async () => (await call('/v1/candidates', { authorization: basic(here.secret) })).status === 200);
    // Leftmost entries and other headers claiming another address change nothing: nginx sends $remote_addr.
    expect((await call('/v1/candidates', { authorization: basic(here.secret), ...spoofed })).status).toBe(200);

    const elsewhere = await rt.keys.create({
      actor: anAdmin(),
      description: 'From the office only',
      grants: ['GET /v1/candidates'],
      allowedNetworks: ['203.0.113.0/24'],
    });
    const headers = { authorization: basic(elsewhere.secret), ...spoofed };
    await waitUntil(async () => (await call('/v1/candidates', headers)).status !== 401);
    const response = await call('/v1/candidates', headers);
    expect(response.status).toBe(403);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      error: 'forbidden',
      reason: 'ip_not_allowed',
      message: 'This API key may not be used from 127.0.0.1: it may be used only from certain networks.',
      client_address: '127.0.0.1',
    });
    expect(received.some((r) => r.headers['x-key-id'] === elsewhere.key.id)).toBe(false);
  });

  it('answers 401 with the Basic challenge for an unknown key and for no key', async () => {
    const unknown = await call('/v1/candidates', { authorization: basic(rt.secretFormat.generate()) });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toBe('Basic realm="Harvest API", charset="UTF-8"');
    expect((await call('/v1/candidates')).status).toBe(401);
  });

  it('refuses a key revoked with the CLI', async () => {
    const issued = await rt.keys.create({
      actor: anAdmin(),
      description: 'Revoked through nginx',
      grants: ['GET /v1/candidates'],
    });
    await waitUntil(async () => (await call('/v1/candidates', { authorization: basic(issued.secret) })).status === 200);
    const revoked = await runCli(['revoke', issued.key.id, '--reason', 'leaked'], {
      DATABASE_URL: rt.database.url,
      KEY_PEPPER: TEST_PEPPER,
    });
    expect(revoked.code).toBe(0);
    const ms = await waitUntil(
      async () => (await call('/v1/candidates', { authorization: basic(issued.secret) })).status === 401,
    );
    console.log(`nginx: revoked key refused ${ms.toFixed(1)} ms after the CLI exited`);
  });

  describe('method overrides', () => {
    const OVERRIDES = ['X-HTTP-Method-Override', 'X-Method-Override', 'X-HTTP-Method'];
    const isOverride = (name: string) =>
      OVERRIDES.map((o) => o.toLowerCase()).includes(name.toLowerCase().replace(/_/g, '-'));

    it('refuses an override naming another method before the API is reached', async () => {
      const before = received.length;
      for (const name of OVERRIDES) {
        const response = await call('/v1/candidates/42', { authorization: basic(granted.secret), [name]: 'DELETE' });
        expect(response.status, name).toBe(403);
      }
      expect((await call('/v1/candidates/42?_method=DELETE', { authorization: basic(granted.secret) })).status).toBe(
        403,
      );
      expect((await call('/v1/candidates/42?%5Fmethod=delete', { authorization: basic(granted.secret) })).status).toBe(
        403,
      );
      expect(received.length).toBe(before);
    });

    it('never passes an override header on to the API, whatever its spelling', async () => {
      const before = received.length;
      for (const name of [
        ...OVERRIDES,
        'x-http-method-override',
        'X_HTTP_Method_Override',
        'X_Method_Override',
        'X_HTTP_Method',
        'x-http_method-override',
      ]) {
        // Naming the request's own method passes /authz; underscore spellings never reach /authz or the API at all.
        const value = name.includes('_') ? 'DELETE' : 'GET';
        const response = await call('/v1/candidates/42', { authorization: basic(granted.secret), [name]: value });
        expect(response.status, name).toBe(200);
      }
      const reached = received.slice(before);
      expect(reached.length).toBe(8);
      for (const { headers } of reached) expect(Object.keys(headers).filter(isOverride)).toEqual([]);
    });
  });

  it('takes POST /secret-scanning/github to harvest-keys without a key, and no other method or path of that port', async () => {
    const before = received.length;
    const report = (pathname: string, method = 'POST') =>
      fetch(`http://127.0.0.1:${nginxPort}${pathname}`, {
        method,
        headers: {
          'content-type': 'application/json',
          'github-public-key-identifier': 'ab',
          'github-public-key-signature': 'AA==',
        },
        ...(method === 'GET' ? {} : { body: '[]' }),
      }).then(async (response) => ({ status: response.status, body: await response.text() }));
    // harvest-keys' own answer (GitHub's keys cannot be fetched here), not auth_request's 401.
    expect(await report('/secret-scanning/github')).toEqual({ status: 503, body: '{"error":"keys_unavailable"}' });
    // Another spelling of the same path reaches the same route: nginx passes the fixed URI.
    expect((await report('/secret-scanning/%67ithub')).status).toBe(503);
    expect((await report('/secret-scanning/github', 'GET')).status).toBe(403);
    expect((await report('/secret-scanning/github', 'PUT')).status).toBe(403);
    // Anything else is the API's, behind auth_request: no key, no entry.
    for (const pathname of ['/secret-scanning/github/x', '/secret-scanning/github/../../authz/v1/candidates', '/authz'])
      expect((await report(pathname)).status, pathname).toBe(401);
    // Over 1 MB is refused by nginx before harvest-keys reads it.
    const big = await fetch(`http://127.0.0.1:${nginxPort}/secret-scanning/github`, {
      method: 'POST',
      body: 'x'.repeat(1024 * 1024 + 1),
    });
    expect(big.status).toBe(413);
    await big.body?.cancel();
    expect(received.length).toBe(before);
  });

  it('writes no key to any nginx log, Basic, Bearer or X-Api-Key, allowed, refused, revoked or unknown', async () => {
    const revokedKey = await rt.keys.create({
      actor: anAdmin(),
      description: 'Revoked, then tried',
      grants: ['GET /v1/candidates'],
    });
    await waitUntil(async () => (await call('/v1/candidates', { 'x-api-key': revokedKey.secret })).status === 200);
    await rt.keys.revoke(revokedKey.key.id, { actor: anAdmin(), reason: 'log test' });
    await waitUntil(async () => (await call('/v1/candidates', { 'x-api-key': revokedKey.secret })).status === 401);
    const unknown = rt.secretFormat.generate();
    const keys = [granted.secret, revokedKey.secret, unknown];
    const ways = (secret: string): Record<string, string>[] => [
      { authorization: basic(secret) },
      { authorization: `Basic ${Buffer.from(`${secret}:password`).toString('base64')}` },
      { authorization: `Bearer ${secret}` },
      { 'x-api-key': secret },
    ];
    const statuses = new Set<number>();
    for (const secret of keys) {
      for (const headers of ways(secret)) {
        for (const [pathname, method] of [
          ['/v1/candidates', 'GET'],
          ['/v1/candidates/42', 'DELETE'],
          ['/v1/nothing-here', 'GET'],
          [`/v1/candidates?api_key=${secret}&page=2`, 'GET'],
        ] as const) {
          const response = await call(pathname, headers, method);
          await response.arrayBuffer();
          statuses.add(response.status);
        }
      }
    }
    expect([...statuses].sort()).toEqual([200, 401, 403]);

    const files: string[] = [];
    const walk = async (at: string): Promise<void> => {
      for (const entry of await readdir(at, { withFileTypes: true })) {
        const full = path.join(at, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.name.endsWith('.log')) files.push(full);
      }
    };
    await walk(dir);
    const logs = await Promise.all(files.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
    // Not vacuous: the access log is there and holds the requests (with the key id, which is no secret).
    const access = logs.filter(({ text }) => text.includes('/v1/candidates'));
    expect(access.length).toBeGreaterThan(0);
    for (const secret of keys) {
      const forms = [
        secret,
        Buffer.from(`${secret}:`).toString('base64'),
        Buffer.from(`${secret}:password`).toString('base64'),
        Buffer.from(secret).toString('base64').replace(/=+$/, ''),
      ];
      for (const { file, text } of logs)
        for (const form of forms) expect(text.includes(form), `${path.relative(dir, file)} holds a key`).toBe(false);
    }
    // Which key made a call is still there: its id, which is no secret.
    expect(access.some(({ text }) => text.includes(granted.id))).toBe(true);
  });
});
