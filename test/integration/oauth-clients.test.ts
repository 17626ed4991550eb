import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { askAuthz, basic, waitUntil } from '../helpers/authz-client.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { type ServerProcess, startServer } from '../helpers/processes.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';
import { recordCanary } from '../helpers/secret-canary.ts';

let rt: TestRuntime;
let a: ServerProcess;
let b: ServerProcess;
let env: Record<string, string>;

beforeAll(async () => {
  rt = await createTestRuntime();
  env = { DATABASE_URL: rt.database.url, KEY_PEPPER: TEST_PEPPER };
  [a, b] = await Promise.all([startServer(env), startServer(env)]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await rt.dispose();
});

const LIST_USERS = 'harvest:users:list';
const RETRIEVE_USER = 'harvest:users:retrieve';

interface Client {
  id: string;
  clientId: string;
  secret: string;
}

/** Client addresses are per test (X-Forwarded-For), so one test's failed attempts never limit another's. */
let nextAddress = 1;
const anAddress = () => `198.51.100.${nextAddress++}`;

async function aClient(grants = ['GET /v1/users', 'GET /v1/users/:id'], extra: { expiresAt?: Date } = {}) {
  const issued = await rt.keys.create({
    actor: anAdmin(),
    kind: 'oauth_client',
    description: 'Harvest v3 client',
    grants,
    ...extra,
  });
  recordCanary(issued.secret);
  const client = { id: issued.key.id, clientId: issued.key.clientId as string, secret: issued.secret };
  // Visible to both instances before it is used (asked as a key: no failed client authentication is counted).
  for (const server of [a, b])
    await waitUntil(
      async () =>
        (await askAuthz(server.port, { 'x-api-key': client.secret }, '/authz/v1/users')).body?.reason ===
        'client_secret',
    );
  return client;
}

/** The secret with its last character changed (never to itself). */
const wrongSecret = (secret: string) => `${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`;

const basicOf = (client: Pick<Client, 'clientId' | 'secret'>) =>
  `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;

interface OAuthAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

async function post(
  port: number,
  path: string,
  authorization: string | undefined,
  form: Record<string, string> | string,
  headers: Record<string, string> = {},
): Promise<OAuthAnswer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': headers['x-forwarded-for'] ?? '203.0.113.200',
      ...(authorization === undefined ? {} : { authorization }),
      ...headers,
    },
    body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

const askToken = (
  port: number,
  authorization: string | undefined,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) => post(port, '/oauth/token', authorization, { grant_type: 'client_credentials', ...form }, headers);

async function tokenFor(client: Client, scope?: string, port = a.port): Promise<string> {
  const answer = await askToken(port, basicOf(client), scope === undefined ? {} : { scope });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body?.access_token as string;
}

const bearerAt = (port: number, token: string, uri = '/v1/users') =>
  askAuthz(port, { authorization: `Bearer ${token}`, 'x-original-method': 'GET', 'x-original-uri': uri });

describe('harvest-keys create --type oauth', () => {
  it('prints the client once as JSON (id, client_id, client_secret, scopes), and show and list name the client id', async () => {
    const created = await runCli(
      ['create', '--type', 'oauth', '--description', 'CLI client', '--grant', 'GET /v1/users', '--json'],
      env,
    );
    expect(created.code).toBe(0);
    const last = JSON.parse(created.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
    recordCanary(last.client_secret as string);
    expect(last).toMatchObject({ kind: 'oauth_client', permissions: ['GET /v1/users'], scopes: [LIST_USERS] });
    expect(last.id).toMatch(/^key_/);
    expect(last.client_id).toMatch(/^hkc_[0-9A-Za-z]{24}$/);
    expect(last.client_secret).toMatch(/^hk_[0-9A-Za-z]{38}$/);
    expect(last).not.toHaveProperty('key');

    const shown = await runCli(['show', last.id as string, '--json'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ kind: 'oauth_client', clientId: last.client_id });
    const text = await runCli(['show', last.id as string], env);
    expect(text.stdout).toContain(`client id:   ${last.client_id}`);
    expect(text.stdout).toContain(`scope ${LIST_USERS}`);
    expect(text.stdout).not.toContain(last.client_secret as string);
    const [audit] = await rt.db
      .sql`select details from audit_events where action = 'key.created' and key_id = ${last.id as string}`;
    expect(audit?.details).toMatchObject({ kind: 'oauth_client', clientId: last.client_id });
    const listed = await runCli(['list'], env);
    expect(listed.stdout).toContain(last.client_id as string);

    const endpoints = await runCli(['endpoints', '--search', 'users', '--json'], env);
    expect(JSON.parse(endpoints.stdout)).toContainEqual(
      expect.objectContaining({ id: 'GET /v1/users', scope: LIST_USERS }),
    );
  });

  it('check refuses a client secret as an API key, as /authz does', async () => {
    const client = await rt.keys.create({
      actor: anAdmin(),
      kind: 'oauth_client',
      description: 'c',
      grants: ['GET /v1/users'],
    });
    recordCanary(client.secret);
    const checked = await runCli(['check', '-', 'GET', '/v1/users', '--json'], env, { input: client.secret });
    expect(checked.code).toBe(1);
    expect(JSON.parse(checked.stdout)).toMatchObject({
      allowed: false,
      reason: 'client_secret',
      clientId: client.key.clientId,
    });
  });

  it('refuses an unknown --type', async () => {
    const refused = await runCli(['create', '--type', 'v3', '--description', 'x', '--json'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--type must be key');
  });
});

describe('POST /oauth/token (RFC 6749 §4.4)', () => {
  it('issues a Bearer token for HTTP Basic client authentication, with every scope the client holds, never cached', async () => {
    const client = await aClient();
    const answer = await askToken(a.port, basicOf(client), {});
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('pragma')).toBe('no-cache');
    expect(answer.body).toEqual({
      access_token: expect.stringMatching(/^hkat_[A-Za-z0-9_-]+$/),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: `${LIST_USERS} ${RETRIEVE_USER}`,
    });
    recordCanary(answer.body?.access_token as string);
  });

  it('accepts client_secret_post, and a scope subset', async () => {
    const client = await aClient();
    const answer = await askToken(a.port, undefined, {
      client_id: client.clientId,
      client_secret: client.secret,
      scope: RETRIEVE_USER,
    });
    expect(answer.status).toBe(200);
    expect(answer.body?.scope).toBe(RETRIEVE_USER);
  });

  it('answers each RFC 6749 §5.2 error with its status, code and headers', async () => {
    const client = await aClient();
    const key = await rt.keys.create({ actor: anAdmin(), description: 'A plain key', grants: ['GET /v1/users'] });
    await waitUntil(
      async () => (await askAuthz(a.port, { 'x-api-key': key.secret }, '/authz/v1/users')).status === 200,
    );
    const from = { 'x-forwarded-for': anAddress() };
    const cases: Array<[string, () => Promise<OAuthAnswer>, number, string]> = [
      ['no grant_type', () => post(a.port, '/oauth/token', basicOf(client), {}, from), 400, 'invalid_request'],
      [
        'JSON instead of a form',
        () =>
          post(a.port, '/oauth/token', basicOf(client), 'grant_type=client_credentials', {
            ...from,
            'content-type': 'application/json',
          }),
        400,
        'invalid_request',
      ],
      [
        'a parameter twice',
        () => post(a.port, '/oauth/token', basicOf(client), 'grant_type=client_credentials&scope=a&scope=b', from),
        400,
        'invalid_request',
      ],
      [
        'Basic and client_secret together',
        () => askToken(a.port, basicOf(client), { client_secret: client.secret }, from),
        400,
        'invalid_request',
      ],
      [
        'another grant type',
        () => post(a.port, '/oauth/token', basicOf(client), { grant_type: 'password' }, from),
        400,
        'unsupported_grant_type',
      ],
      [
        'a wrong secret (Basic)',
        () => askToken(a.port, basicOf({ clientId: client.clientId, secret: wrongSecret(client.secret) }), {}, from),
        401,
        'invalid_client',
      ],
      [
        'another client id',
        () => askToken(a.port, basicOf({ clientId: 'hkc_000000000000000000000000', secret: client.secret }), {}, from),
        401,
        'invalid_client',
      ],
      [
        "a plain key's secret",
        () => askToken(a.port, basicOf({ clientId: client.clientId, secret: key.secret }), {}, from),
        400,
        'unauthorized_client',
      ],
      [
        'a scope it does not hold',
        () => askToken(a.port, basicOf(client), { scope: 'harvest:jobs:list' }, from),
        400,
        'invalid_scope',
      ],
      [
        'an unknown scope',
        () => askToken(a.port, basicOf(client), { scope: `${LIST_USERS} nope` }, from),
        400,
        'invalid_scope',
      ],
    ];
    for (const [what, ask, status, error] of cases) {
      const answer = await ask();
      expect({ what, status: answer.status, error: answer.body?.error }).toEqual({ what, status, error });
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(typeof answer.body?.error_description).toBe('string');
    }
    const basicFailure = await askToken(a.port, basicOf({ clientId: client.clientId, secret: 'hk_wrong' }), {}, from);
    expect(basicFailure.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const postFailure = await askToken(a.port, undefined, { client_id: client.clientId, client_secret: 'wrong' }, from);
    expect(postFailure.status).toBe(401);
    expect(postFailure.body?.error).toBe('invalid_client');
    expect(postFailure.headers.get('www-authenticate')).toBeNull();

    await rt.keys.revoke(client.id, { actor: anAdmin() });
    await waitUntil(async () => (await askToken(a.port, basicOf(client), {}, from)).status === 400);
    expect((await askToken(a.port, basicOf(client), {}, from)).body?.error).toBe('unauthorized_client');
  });

  it('refuses a body over 16 KB (413), a GET (405), and a client holding nothing (invalid_scope)', async () => {
    const client = await aClient();
    const big = await post(
      a.port,
      '/oauth/token',
      basicOf(client),
      `grant_type=client_credentials&pad=${'x'.repeat(20_000)}`,
    );
    expect(big.status).toBe(413);
    expect(big.body?.error).toBe('invalid_request');
    const get = await fetch(`http://127.0.0.1:${a.port}/oauth/token`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const empty = await aClient([]);
    const none = await askToken(a.port, basicOf(empty), {});
    expect(none.status).toBe(400);
    expect(none.body?.error).toBe('invalid_scope');
  });

  it('limits failed client authentications per client id (429 with Retry-After) and audits them without the secret', async () => {
    const client = await aClient();
    const wrong = wrongSecret(client.secret);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        (
          await askToken(
            a.port,
            basicOf({ clientId: client.clientId, secret: wrong }),
            {},
            { 'x-forwarded-for': anAddress() },
          )
        ).status,
      );
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    const limited = await askToken(a.port, basicOf(client), {}, { 'x-forwarded-for': anAddress() });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The other instance counts for itself (in memory, per instance): the right secret still works there.
    expect((await askToken(b.port, basicOf(client), {})).status).toBe(200);

    await waitUntil(async () => {
      const rows = await rt.db.sql`select details from audit_events where action = 'oauth.client_auth_failed'
        and details->>'clientId' = ${client.clientId}`;
      return rows.length === 10;
    });
    const rows = await rt.db
      .sql`select details::text as text from audit_events where action = 'oauth.client_auth_failed'`;
    for (const row of rows) expect(row.text).not.toContain(wrong.slice(3, 30));
  });

  it('limits failed attempts per address too', async () => {
    const from = { 'x-forwarded-for': anAddress() };
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const someone = `hkc_${String(i).padStart(24, '0')}`;
      statuses.push((await askToken(a.port, basicOf({ clientId: someone, secret: 'hk_nothing' }), {}, from)).status);
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses[30]).toBe(429);
  });
});

describe('Bearer access tokens at /authz', () => {
  it('are allowed only where the live permissions and the token scopes both allow, on either instance', async () => {
    const client = await aClient();
    const full = await tokenFor(client);
    const narrow = await tokenFor(client, LIST_USERS);
    for (const server of [a, b]) {
      const allowed = await bearerAt(server.port, full, '/v1/users/7');
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('x-key-id')).toBe(client.id);
      expect(allowed.headers.get('x-client-id')).toBe(client.clientId);
      expect((await bearerAt(server.port, narrow, '/v1/users')).status).toBe(200);
      const outOfScope = await bearerAt(server.port, narrow, '/v1/users/7');
      expect(outOfScope.status).toBe(403);
      expect(outOfScope.body).toMatchObject({ reason: 'insufficient_scope', required_scope: RETRIEVE_USER });
      expect(outOfScope.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect((await bearerAt(server.port, full, '/v1/jobs')).body?.reason).toBe('not_granted');
    }
  });

  it('follow a permission removed from the client at once on the other instance, and its revocation', async () => {
    const client = await aClient();
    const token = await tokenFor(client, undefined, a.port);
    expect((await bearerAt(b.port, token, '/v1/users/7')).status).toBe(200);
    await rt.keys.edit(client.id, { actor: anAdmin(), remove: ['GET /v1/users/:id'] });
    await waitUntil(async () => (await bearerAt(b.port, token, '/v1/users/7')).status === 403);
    expect((await bearerAt(b.port, token, '/v1/users/7')).body?.reason).toBe('not_granted');
    expect((await bearerAt(b.port, token, '/v1/users')).status).toBe(200);

    await rt.keys.revoke(client.id, { actor: anAdmin() });
    await waitUntil(async () => (await bearerAt(b.port, token)).status === 401);
    const refused = await bearerAt(b.port, token);
    expect(refused.body?.reason).toBe('revoked');
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+", error="invalid_token"/);
  });

  it('refuse a tampered token (invalid_token) and a client secret sent as an API key', async () => {
    const client = await aClient();
    const token = await tokenFor(client);
    const body = token.slice('hkat_'.length);
    const flipped = body[40] === 'A' ? 'B' : 'A';
    const tampered = `hkat_${body.slice(0, 40)}${flipped}${body.slice(41)}`;
    const answer = await bearerAt(a.port, tampered);
    expect(answer.status).toBe(401);
    expect(answer.body?.reason).toBe('invalid_token');
    expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const asKey = await askAuthz(a.port, {
      authorization: basic(client.secret),
      'x-original-method': 'GET',
      'x-original-uri': '/v1/users',
    });
    expect(asKey.status).toBe(401);
    expect(asKey.body?.reason).toBe('client_secret');
  });

  it('stop with their client: a token of a client that expires is refused once it has (token_expired)', async () => {
    const client = await aClient(['GET /v1/users'], { expiresAt: new Date(Date.now() + 3_000) });
    const answer = await askToken(a.port, basicOf(client), {});
    expect(answer.body?.expires_in).toBeLessThanOrEqual(3);
    const token = answer.body?.access_token as string;
    expect((await bearerAt(b.port, token)).status).toBe(200);
    await waitUntil(async () => (await bearerAt(b.port, token)).status === 401, 8_000);
    expect((await bearerAt(b.port, token)).body?.reason).toBe('token_expired');
    await waitUntil(async () => (await askToken(a.port, basicOf(client), {})).status === 400, 3_000);
    const late = await askToken(a.port, basicOf(client), {});
    expect({ status: late.status, body: late.body }).toMatchObject({
      status: 400,
      body: { error: 'unauthorized_client' },
    });
  });

  it('replace keeps the client id: both secrets work during the grace period', async () => {
    const client = await aClient(['GET /v1/users']);
    const replaced = await rt.keys.replace(client.id, { actor: anAdmin(), graceSeconds: 3600 });
    recordCanary(replaced.secret);
    expect(replaced.key.clientId).toBe(client.clientId);
    expect(replaced.key.kind).toBe('oauth_client');
    const next = { id: replaced.key.id, clientId: client.clientId, secret: replaced.secret };
    await waitUntil(async () => (await askToken(a.port, basicOf(next), {})).status === 200);
    expect((await askToken(a.port, basicOf(client), {})).status).toBe(200);
    const newToken = await tokenFor(next);
    // Issued by instance a, judged by b: b must first have loaded the replacement (the change reaches it by NOTIFY).
    await waitUntil(async () => (await bearerAt(b.port, newToken)).status === 200);
    expect((await bearerAt(b.port, newToken)).headers.get('x-key-id')).toBe(replaced.key.id);
  });
});

describe('introspection (RFC 7662) and revocation (RFC 7009)', () => {
  it('introspection answers active with the claims for the client own tokens, and inactive otherwise', async () => {
    const client = await aClient();
    const other = await aClient();
    const token = await tokenFor(client, LIST_USERS);
    const answer = await post(b.port, '/oauth/introspect', basicOf(client), { token });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      active: true,
      scope: LIST_USERS,
      client_id: client.clientId,
      token_type: 'Bearer',
      exp: expect.any(Number),
      iat: expect.any(Number),
    });
    expect((await post(b.port, '/oauth/introspect', basicOf(other), { token })).body).toEqual({ active: false });
    expect((await post(b.port, '/oauth/introspect', basicOf(client), { token: 'nonsense' })).body).toEqual({
      active: false,
    });
    expect((await post(b.port, '/oauth/introspect', undefined, { token })).status).toBe(401);
  });

  it('a revoked token is refused on every instance, and revoking an unknown token answers 200', async () => {
    const client = await aClient();
    const token = await tokenFor(client);
    expect((await bearerAt(b.port, token)).status).toBe(200);
    const revoked = await post(a.port, '/oauth/revoke', basicOf(client), { token, token_type_hint: 'access_token' });
    expect(revoked.status).toBe(200);
    expect((await bearerAt(a.port, token)).body?.reason).toBe('token_revoked');
    await waitUntil(async () => (await bearerAt(b.port, token)).status === 401);
    expect((await bearerAt(b.port, token)).body?.reason).toBe('token_revoked');
    expect((await post(b.port, '/oauth/introspect', basicOf(client), { token })).body).toEqual({ active: false });
    // Another token of the same client is untouched.
    expect((await bearerAt(b.port, await tokenFor(client, undefined, b.port))).status).toBe(200);
    expect((await post(a.port, '/oauth/revoke', basicOf(client), { token: 'hkat_unknown' })).status).toBe(200);
    const [row] = await rt.db.sql`select count(*)::int as n from oauth_revoked_tokens where key_id = ${client.id}`;
    expect(row?.n).toBe(1);
  });
});

describe('metadata (RFC 8414) and secrets', () => {
  it('publishes the endpoints, grant type, auth methods and scopes', async () => {
    const response = await fetch(`http://127.0.0.1:${a.port}/.well-known/oauth-authorization-server`, {
      headers: { 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      issuer: 'https://api.example.com',
      token_endpoint: 'https://api.example.com/oauth/token',
      introspection_endpoint: 'https://api.example.com/oauth/introspect',
      revocation_endpoint: 'https://api.example.com/oauth/revoke',
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
    expect(body.scopes_supported).toContain(LIST_USERS);
  });

  it('neither the client secret nor an access token is stored anywhere in the database', async () => {
    const client = await aClient();
    const token = await tokenFor(client);
    await post(a.port, '/oauth/revoke', basicOf(client), { token });
    await askToken(a.port, basicOf({ clientId: client.clientId, secret: wrongSecret(client.secret) }), {});
    const tables = await rt.db.sql<{ name: string }[]>`
      select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`;
    let dump = '';
    for (const { name } of tables) {
      const rows = await rt.db.sql.unsafe(`select row_to_json(t)::text as row from "${name}" t`);
      dump += rows.map((r) => r.row as string).join('\n');
    }
    expect(dump).toContain(client.clientId);
    expect(dump).not.toContain(client.secret.slice(3, 30));
    expect(dump).not.toContain(token.slice(5, 60));
    for (const server of [a, b]) {
      expect(server.output()).not.toContain(client.secret.slice(3, 30));
      expect(server.output()).not.toContain(token.slice(5, 60));
    }
  });
});
