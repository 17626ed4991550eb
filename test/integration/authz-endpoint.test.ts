import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { askAuthz, basic, rawStatus, waitUntil } from '../helpers/authz-client.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { type ServerProcess, startServer } from '../helpers/processes.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';

let rt: TestRuntime;
let server: ServerProcess;
let port: number;
let key: string;
let keyId: string;
const partner = 'Ünïcode Partner & Co';

beforeAll(async () => {
  rt = await createTestRuntime();
  await rt.partners.create({ actor: anAdmin(), name: partner, preset: ['GET /v1/candidates'] });
  const issued = await rt.keys.create({
    actor: anAdmin(),
    partner,
    grants: ['GET: Retrieve Candidate', 'POST /v1/candidates'],
  });
  key = issued.secret;
  keyId = issued.key.id;
  server = await startServer({
    DATABASE_URL: rt.database.url,
    KEY_PEPPER: TEST_PEPPER,
    USAGE_FLUSH_INTERVAL: '1',
    LOG_LEVEL: 'info',
  });
  port = server.port;
});
afterAll(async () => {
  await server?.stop();
  await rt.dispose();
});

const nginxStyle = (secret: string, method: string, uri: string) => ({
  authorization: basic(secret),
  'x-original-method': method,
  'x-original-uri': uri,
});

/** A fresh key with exactly these grants, already visible to the server. */
async function freshKey(grants: string[] = ['GET /v1/users']): Promise<{ secret: string; id: string }> {
  const issued = await rt.keys.create({ actor: anAdmin(), description: 'Fresh', grants });
  await waitUntil(
    async () => (await askAuthz(port, { 'x-api-key': issued.secret }, '/authz/v1/nothing')).status !== 401,
  );
  return { secret: issued.secret, id: issued.key.id };
}

describe('/authz answers gateways', () => {
  it('allows a granted endpoint (nginx headers, Basic key:) with the key id, partner and no-store', async () => {
    const answer = await askAuthz(port, nginxStyle(key, 'GET', '/v1/candidates/42?page=2'));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-key-id')).toBe(keyId);
    expect(decodeURIComponent(answer.headers.get('x-partner') ?? '')).toBe(partner);
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('names the partner by its new name right after a rename', async () => {
    const renamed = 'Renamed Partner';
    await rt.partners.create({ actor: anAdmin(), name: 'Before Rename' });
    const own = await rt.keys.create({ actor: anAdmin(), partner: 'Before Rename', grants: ['GET /v1/users'] });
    const ask = () => askAuthz(port, nginxStyle(own.secret, 'GET', '/v1/users'));
    await waitUntil(async () => (await ask()).headers.get('x-partner') === 'Before Rename');
    await rt.partners.edit('Before Rename', { actor: anAdmin(), rename: renamed });
    await waitUntil(async () => (await ask()).headers.get('x-partner') === renamed);
    expect((await ask()).headers.get('x-partner')).toBe(renamed);
  });

  it('reads Traefik headers with a Bearer key', async () => {
    const answer = await askAuthz(port, {
      authorization: `Bearer ${key}`,
      'x-forwarded-method': 'POST',
      'x-forwarded-uri': '/v1/candidates',
      'x-forwarded-host': 'api.example.com',
    });
    expect(answer.status).toBe(200);
  });

  it('reads the Envoy path below /authz with the request method and an X-Api-Key', async () => {
    expect((await askAuthz(port, { 'x-api-key': key }, '/authz/v1/candidates', 'POST')).status).toBe(200);
    expect((await askAuthz(port, { 'x-api-key': key }, '/authz/v1/candidates', 'DELETE')).status).toBe(403);
  });

  it('judges HEAD as GET', async () => {
    expect((await askAuthz(port, { 'x-api-key': key }, '/authz/v1/candidates/7', 'HEAD')).status).toBe(200);
    expect((await askAuthz(port, nginxStyle(key, 'HEAD', '/v1/candidates/7'))).status).toBe(200);
  });

  it('answers 403 with a JSON body and the needed permission for an endpoint the key lacks', async () => {
    const answer = await askAuthz(port, nginxStyle(key, 'DELETE', '/v1/candidates/42'));
    expect(answer.status).toBe(403);
    expect(answer.headers.get('x-required-permission')).toBe('DELETE: Delete Candidate');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toMatchObject({
      error: 'forbidden',
      reason: 'not_granted',
      message: 'This API Key does not have permission for this endpoint',
      required_permission: 'DELETE: Delete Candidate',
      key_id: keyId,
    });
  });

  it('answers 403 for an endpoint outside the catalog', async () => {
    const answer = await askAuthz(port, nginxStyle(key, 'GET', '/v1/secret-admin-panel'));
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ reason: 'not_in_catalog' });
    expect(answer.headers.get('x-required-permission')).toBeNull();
  });

  it('answers 401 with a Basic challenge when no key is sent', async () => {
    const answer = await askAuthz(port, { 'x-original-method': 'GET', 'x-original-uri': '/v1/candidates' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Basic realm="Harvest API", charset="UTF-8"');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toMatchObject({ reason: 'missing' });
  });

  it('lets an imported legacy key of any shape call what existed at the cutoff, and nothing added later', async () => {
    const legacy = 'Legacy-Key.0123456789-abcdefXYZ';
    await rt.importKeys(
      Buffer.from(`key,description,partner,created_at\n${legacy},Old integration,,2015-03-01\n`),
      anAdmin(),
    );
    await waitUntil(async () => (await askAuthz(port, nginxStyle(legacy, 'GET', '/v1/candidates'))).status === 200);
    const later = rt.catalog.endpoints.find(
      (e) => !e.existedAtLegacyCutoff && e.method === 'GET' && !e.path.includes(':'),
    );
    expect(later).toBeDefined();
    expect((await askAuthz(port, nginxStyle(legacy, 'GET', later?.path ?? ''))).status).toBe(403);
  });

  it('follows edits, revocation and re-enabling without a restart', async () => {
    const { secret, id } = await freshKey(['GET /v1/users']);
    const ask = async () => (await askAuthz(port, nginxStyle(secret, 'GET', '/v1/jobs'))).status;
    expect(await ask()).toBe(403);
    await rt.keys.edit(id, { actor: anAdmin(), add: ['GET /v1/jobs'] });
    await waitUntil(async () => (await ask()) === 200);
    await rt.keys.revoke(id, { actor: anAdmin(), reason: 'test' });
    await waitUntil(async () => (await ask()) === 401);
    const revoked = await askAuthz(port, nginxStyle(secret, 'GET', '/v1/jobs'));
    expect(revoked.body).toMatchObject({ reason: 'revoked' });
    expect(revoked.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    await rt.keys.enable(id, { actor: anAdmin() });
    await waitUntil(async () => (await ask()) === 200);
  });

  it('honours a replaced key until its grace period ends and the replacement at once', async () => {
    const { secret, id } = await freshKey(['GET /v1/users']);
    const replaced = await rt.keys.replace(id, { actor: anAdmin(), graceSeconds: 3600 });
    await waitUntil(async () => (await askAuthz(port, nginxStyle(replaced.secret, 'GET', '/v1/users'))).status === 200);
    expect((await askAuthz(port, nginxStyle(secret, 'GET', '/v1/users'))).status).toBe(200);
    const now = await rt.keys.replace(replaced.key.id, { actor: anAdmin(), graceSeconds: 0 });
    await waitUntil(async () => (await askAuthz(port, nginxStyle(replaced.secret, 'GET', '/v1/users'))).status === 401);
    await waitUntil(async () => (await askAuthz(port, nginxStyle(now.secret, 'GET', '/v1/users'))).status === 200);
  });

  it('reports itself ready with the number of keys loaded', async () => {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      checks: [
        { name: 'database', ok: true },
        { name: 'authz', ok: true },
      ],
    });
  });
});

describe('/authz refuses bad input with the right status and keeps serving', () => {
  const target = { 'x-original-method': 'GET', 'x-original-uri': '/v1/candidates' };

  it('401 for an Authorization scheme that is neither Basic nor Bearer', async () => {
    expect((await askAuthz(port, { authorization: `Digest ${key}`, ...target })).status).toBe(401);
    expect((await askAuthz(port, { authorization: key, ...target })).status).toBe(401);
  });

  it('401 for Basic credentials that are not base64', async () => {
    expect((await askAuthz(port, { authorization: 'Basic !!!not-base64***', ...target })).body).toMatchObject({
      reason: 'malformed',
    });
  });

  it('401 for Basic credentials without a colon', async () => {
    const noColon = `Basic ${Buffer.from(key).toString('base64')}`;
    expect((await askAuthz(port, { authorization: noColon, ...target })).status).toBe(401);
  });

  it('431 for a 16 KB header, then answers the next request normally', async () => {
    const huge = `GET /authz/v1/candidates HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${'A'.repeat(16 * 1024)}\r\n\r\n`;
    expect(await rawStatus(port, Buffer.from(huge))).toBe(431);
    const big = `GET /authz/v1/candidates HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${'A'.repeat(8 * 1024)}\r\n\r\n`;
    expect(await rawStatus(port, Buffer.from(big))).toBe(401);
    expect((await askAuthz(port, nginxStyle(key, 'GET', '/v1/candidates'))).status).toBe(200);
  });

  it('401 for non-ASCII bytes in the key', async () => {
    const utf8 = Buffer.from(
      `GET /authz/v1/candidates HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${key.slice(0, -3)}äö€\r\n\r\n`,
      'utf8',
    );
    expect(await rawStatus(port, utf8)).toBe(401);
    const basicUtf8 = `Basic ${Buffer.from(`ключ-${key}:`).toString('base64')}`;
    expect((await askAuthz(port, { authorization: basicUtf8, ...target })).status).toBe(401);
  });

  it('401 for an empty key in each place a key can be', async () => {
    expect((await askAuthz(port, { authorization: basic(''), ...target })).body).toMatchObject({ reason: 'empty' });
    expect((await askAuthz(port, { authorization: 'Bearer ', ...target })).status).toBe(401);
    expect((await askAuthz(port, { 'x-api-key': '', ...target })).status).toBe(401);
  });

  it('401 for a key whose checksum is wrong', async () => {
    const typo = `${key.slice(0, 10)}${key[10] === 'a' ? 'b' : 'a'}${key.slice(11)}`;
    expect((await askAuthz(port, nginxStyle(typo, 'GET', '/v1/candidates'))).body).toMatchObject({
      reason: 'checksum',
    });
  });

  it('401 for a key with a valid checksum that was never issued', async () => {
    expect((await askAuthz(port, nginxStyle(rt.secretFormat.generate(), 'GET', '/v1/candidates'))).body).toMatchObject({
      reason: 'unknown',
    });
  });

  it('401 for a revoked key', async () => {
    const { secret, id } = await freshKey();
    await rt.keys.revoke(id, { actor: anAdmin() });
    await waitUntil(async () => (await askAuthz(port, nginxStyle(secret, 'GET', '/v1/users'))).status === 401);
  });

  it('403 for an unknown method', async () => {
    expect((await askAuthz(port, nginxStyle(key, 'BREW', '/v1/candidates'))).body).toMatchObject({
      reason: 'not_in_catalog',
    });
  });

  it('403 for paths with .. or //, an encoded slash, or a very long path', async () => {
    for (const uri of [
      '/v1/users/../candidates',
      '/v1/candidates/./1',
      '/v1//candidates',
      '//v1/candidates',
      '/v1/candidates%2F1',
      `/v1/candidates/${'x'.repeat(5000)}`,
    ]) {
      expect((await askAuthz(port, nginxStyle(key, 'GET', uri))).status, uri).toBe(403);
    }
  });

  it('decodes percent-encoding and tolerates one trailing slash', async () => {
    expect((await askAuthz(port, nginxStyle(key, 'GET', '/v1/%63andidates/%34%32'))).status).toBe(200);
    expect((await askAuthz(port, nginxStyle(key, 'GET', '/v1/candidates/'))).status).toBe(200);
    expect((await askAuthz(port, nginxStyle(key, 'GET', '/v1/candidates%'))).status).toBe(403);
  });

  it('403 when the gateway sends no target at all, 401 first when the key is bad as well', async () => {
    expect((await askAuthz(port, { authorization: basic(key) })).body).toMatchObject({ reason: 'no_target' });
    expect((await askAuthz(port, { authorization: basic('nope') })).status).toBe(401);
  });

  it('403 when target headers disagree (no convention wins), 200 when they agree', async () => {
    const conflicting = {
      authorization: basic(key),
      'x-original-method': 'GET',
      'x-original-uri': '/v1/candidates',
      'x-forwarded-method': 'DELETE',
      'x-forwarded-uri': '/v1/candidates/1',
    };
    expect((await askAuthz(port, conflicting)).body).toMatchObject({ reason: 'conflicting_target' });
    expect(
      (await askAuthz(port, nginxStyle(key, 'GET', '/v1/candidates'), '/authz/v1/candidates/1')).body,
    ).toMatchObject({ reason: 'conflicting_target' });
    const agreeing = { ...conflicting, 'x-forwarded-method': 'HEAD', 'x-forwarded-uri': '/v1/candidates?x=1' };
    expect((await askAuthz(port, agreeing)).status).toBe(200);
  });

  it('403 for a target URI without its method', async () => {
    expect(
      (await askAuthz(port, { authorization: basic(key), 'x-original-uri': '/v1/candidates' })).body,
    ).toMatchObject({ reason: 'incomplete_target' });
  });

  it('404 outside /authz, and /authzfoo is not /authz', async () => {
    expect((await askAuthz(port, nginxStyle(key, 'GET', '/v1/candidates'), '/authzfoo')).status).toBe(404);
  });
});

describe('/authz refuses ambiguous targets (ones an upstream could route to another endpoint)', () => {
  let retrieveOnly: string;
  beforeAll(async () => {
    retrieveOnly = (
      await freshKey(['GET: Retrieve Candidate', 'GET: List Custom Fields', 'GET: Tracking Link Data for Token'])
    ).secret;
  });
  const ask = (uri: string, method = 'GET') => askAuthz(port, nginxStyle(retrieveOnly, method, uri));

  it('the reported case: GET /v1/candidates/.; (List Candidates to Jetty/Tomcat) is 403 ambiguous_target for a Retrieve Candidate key', async () => {
    const answer = await ask('/v1/candidates/.;');
    expect(answer.status).toBe(403);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('x-required-permission')).toBeNull();
    expect(answer.body).toMatchObject({ error: 'forbidden', reason: 'ambiguous_target' });
    expect(answer.body?.message).toMatch(/routed to a different endpoint/);
  });

  it.each([
    '/v1/candidates/..;',
    '/v1/candidates/.;/',
    '/v1/candidates/.%3B',
    '/v1/candidates/.%3b',
    '/v1/candidates/%2e;',
    '/v1/candidates/%2e%3b',
    '/v1/candidates/1;jsessionid=0',
    '/v1/candidates;x/1',
    '/v1/candidates/1%3Bx',
    '/v1/candidates/%252e%252e',
    '/v1/candidates/%2531',
    '/v1/candidates/1#/../2',
    '/v1/candidates/1#',
    '/v1/candidates/1%23',
    '/v1/candidates/1%3F',
    '/v1/candidates\\1',
    '/v1/candidates/1%5C..',
    '/v1/candidates/%5C',
    '/v1/candidates/1.',
    '/v1/candidates./1',
    '/v1/candidates/...',
    '/v1/candidates/1%20',
    '/v1/candidates/1%00',
    '/v1/candidates/%EF%BC%8E%EF%BC%8E',
    '/v1/candidates/%EF%BC%91',
    '/v1/candidates%EF%BC%8F1',
    '/v1/candidates/%C0%AE%C0%AE',
    '/v1/candidates/%FF',
    '/v1/candidates/007',
    '/v1/candidates/0',
    '/v1/candidates/+1',
    '/v1/candidates/-1',
    '/v1/candidates/1e3',
    '/v1/candidates/1.0',
    '/v1/candidates/1abc',
    '/v1/candidates/1.json',
    '/v1/candidates/9223372036854775808',
    '/v1/candidates/99999999999999999999',
    '/v1/custom_fields/JOB',
    '/v1/custom_fields/bogus',
    '/v1/custom_fields/job.',
    '/v1/tracking_links/a.b',
    `/v1/tracking_links/${'t'.repeat(129)}`,
    `/v1/candidates/${'1'.repeat(3000)}`,
  ])('403 ambiguous_target for %s', async (uri) => {
    const answer = await ask(uri);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ reason: 'ambiguous_target' });
  });

  it('the same through the Envoy path and Traefik headers', async () => {
    expect((await askAuthz(port, { 'x-api-key': retrieveOnly }, '/authz/v1/candidates/.;')).body).toMatchObject({
      reason: 'ambiguous_target',
    });
    expect((await askAuthz(port, { 'x-api-key': retrieveOnly }, '/authz/v1/candidates/.%3B')).body).toMatchObject({
      reason: 'ambiguous_target',
    });
    const traefik = {
      authorization: basic(retrieveOnly),
      'x-forwarded-method': 'GET',
      'x-forwarded-uri': '/v1/candidates/..;/',
    };
    expect((await askAuthz(port, traefik)).body).toMatchObject({ reason: 'ambiguous_target' });
  });

  it('headers that differ only after a # are conflicting, not the same target', async () => {
    const headers = {
      authorization: basic(retrieveOnly),
      'x-original-method': 'GET',
      'x-original-uri': '/v1/candidates/1',
      'x-forwarded-method': 'GET',
      'x-forwarded-uri': '/v1/candidates/1#/../2',
    };
    expect((await askAuthz(port, headers)).body).toMatchObject({ reason: 'conflicting_target' });
  });

  it('raw non-ASCII bytes in the target URI are refused', async () => {
    const bytes = Buffer.concat([
      Buffer.from(
        `GET /authz HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${retrieveOnly}\r\nX-Original-Method: GET\r\nX-Original-URI: /v1/candidates/`,
      ),
      Buffer.from('\uff11', 'utf8'),
      Buffer.from('\r\n\r\n'),
    ]);
    expect(await rawStatus(port, bytes)).toBe(403);
  });

  it('still allows the granted endpoint in its canonical spellings', async () => {
    for (const uri of [
      '/v1/candidates/1',
      '/v1/candidates/9223372036854775807',
      '/v1/candidates/%31',
      '/v1/candidates/42/',
      '/v1/candidates/42?x=;%25/..',
    ]) {
      expect((await ask(uri)).status, uri).toBe(200);
    }
    expect((await ask('/v1/custom_fields/rejection_question')).status).toBe(200);
    expect((await ask('/v1/tracking_links/Ab3_-z')).status).toBe(200);
    // List Candidates was never granted: the spelling that reaches it is a plain 403 not_granted.
    expect((await ask('/v1/candidates')).body).toMatchObject({ reason: 'not_granted' });
  });
});

describe('usage', () => {
  it('records last use and per-endpoint counts in batches, and the CLI shows them', async () => {
    const { secret, id } = await freshKey(['GET /v1/users']);
    for (let i = 0; i < 5; i++) expect((await askAuthz(port, nginxStyle(secret, 'GET', '/v1/users'))).status).toBe(200);
    for (let i = 0; i < 2; i++)
      expect((await askAuthz(port, nginxStyle(secret, 'DELETE', '/v1/candidates/1'))).status).toBe(403);
    expect((await askAuthz(port, nginxStyle(secret, 'GET', '/nowhere'))).status).toBe(403);
    // freshKey's own probe of /authz/v1/nothing is one more denied request outside the catalog.
    await waitUntil(async () => (await rt.usage.summary(id)).deniedLast7Days >= 4);
    const summary = await rt.usage.summary(id);
    expect(summary).toMatchObject({ allowedLast7Days: 5, deniedLast7Days: 4 });
    expect(summary.lastUsedAt).toBeInstanceOf(Date);
    const sql = postgres(rt.database.url, { max: 1 });
    try {
      const rows =
        await sql`select endpoint_id, allowed::int, denied::int from key_usage where key_id = ${id} order by endpoint_id`;
      expect(rows.map((r) => ({ ...r }))).toEqual([
        { endpoint_id: '-', allowed: 0, denied: 2 },
        { endpoint_id: 'DELETE /v1/candidates/:id', allowed: 0, denied: 2 },
        { endpoint_id: 'GET /v1/users', allowed: 5, denied: 0 },
      ]);
    } finally {
      await sql.end();
    }
    const shown = await runCli(['show', id], { DATABASE_URL: rt.database.url, KEY_PEPPER: TEST_PEPPER });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('last 7 days: 5 allowed, 4 denied requests');
    expect(shown.stdout).toMatch(/last used: {3}\d{4}-\d{2}-\d{2}/);
  });

  it('never logs a presented key', async () => {
    expect(server.output()).not.toContain(key);
  });
});
