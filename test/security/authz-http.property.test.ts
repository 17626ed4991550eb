import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHZ_PREFIX } from '../../src/authz/authz-handler.ts';
import { type AuthzService, createAuthzService } from '../../src/authz/authz-service.ts';
import { normalizeRequestPath } from '../../src/catalog/path-matcher.ts';
import { createKeyChangeListener } from '../../src/db/key-change-listener.ts';
import { createKeyIndexSource } from '../../src/db/key-index-source.ts';
import { createUsageSink } from '../../src/db/usage-store.ts';
import { authzRoute } from '../../src/http/authz-route.ts';
import { createHttpServer, type HttpServer, listen } from '../../src/http/server.ts';
import { createLogger } from '../../src/logger.ts';
import { anAdmin } from '../fixtures/actors.ts';
import { waitUntil } from '../helpers/authz-client.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

/**
 * The real /authz handler behind the real HTTP listener (in-process, port 0) over a real database, fed hostile bytes
 * on raw sockets: header values the fetch client would refuse to send (non-ASCII, controls) go through as bytes.
 */
let rt: TestRuntime;
let authz: AuthzService;
let http: HttpServer;
let port: number;
let granted: { secret: string; id: string };
let ungranted: { secret: string; id: string };
let revoked: { secret: string; id: string };
const GRANT = 'GET /v1/users';

beforeAll(async () => {
  rt = await createTestRuntime();
  const logger = createLogger('silent');
  const issue = async (grants: string[]) => {
    const { secret, key } = await rt.keys.create({ actor: anAdmin(), description: 'Fuzzed', grants });
    return { secret, id: key.id };
  };
  granted = await issue([GRANT]);
  ungranted = await issue([]);
  revoked = await issue([GRANT]);
  await rt.keys.revoke(revoked.id, { actor: anAdmin(), reason: 'fuzz' });
  authz = createAuthzService({
    catalog: rt.catalog,
    secretFormat: rt.secretFormat,
    digest: rt.digest,
    source: createKeyIndexSource(rt.db.sql),
    feed: createKeyChangeListener(rt.db.url, { heartbeatMs: 1000 }),
    usageSink: createUsageSink(rt.db.sql),
    logger,
    maxStalenessMs: 30_000,
    usageFlushMs: 60_000,
    realm: 'Harvest API',
  });
  authz.start();
  await authz.sync.loaded();
  http = createHttpServer({ logger, readiness: [], routes: [authzRoute(authz.handle)] });
  await listen(http.server, 0, '127.0.0.1');
  port = http.port();
});
afterAll(async () => {
  await http?.close();
  await authz?.stop();
  await rt?.dispose();
});

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
}

/** One request as exact bytes on its own connection; the answer's status and headers. */
function send(request: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer within 5 s: the server hangs'));
    }, 5000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.split('\r\n\r\n', 1)[0] ?? '';
      const [statusLine = '', ...lines] = head.split('\r\n');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(statusLine);
      if (match === null) return reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      const headers = new Map<string, string>();
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      resolve({ status: Number(match[1]), headers });
    });
    socket.end(request);
  });
}

type Header = [name: string, value: Buffer];
const text = (value: string): Buffer => Buffer.from(value, 'latin1');

/** A header value as raw bytes: anything but CR and LF, which would end the header rather than be in it. */
const headerBytes = fc
  .uint8Array({ maxLength: 300 })
  .map((bytes) => Buffer.from(bytes.filter((b) => b !== 13 && b !== 10)));
const which = fc.constantFrom('granted', 'ungranted', 'revoked');
const secretOf = (name: string) => (name === 'granted' ? granted : name === 'ungranted' ? ungranted : revoked).secret;

const credential: fc.Arbitrary<{ headers: Header[]; presents: string | undefined }> = fc.oneof(
  fc.constant({ headers: [] as Header[], presents: undefined }),
  fc
    .tuple(which, fc.constantFrom('basic', 'bearer', 'x-api-key', 'BASIC', 'bEaReR'), fc.string({ maxLength: 8 }))
    .map(([name, how, password]) => {
      const secret = secretOf(name);
      const lower = how.toLowerCase();
      const value =
        lower === 'basic'
          ? `${how[0]}${how.slice(1)} ${Buffer.from(`${secret}:${password}`).toString('base64')}`
          : lower === 'bearer'
            ? `${how} ${secret}`
            : secret;
      return {
        headers: [[lower === 'x-api-key' ? 'X-Api-Key' : 'Authorization', text(value)]] as Header[],
        presents: secret,
      };
    }),
  // Schemes and garbage, with arbitrary bytes after them.
  fc
    .tuple(fc.constantFrom('Basic', 'Bearer', 'Digest', 'basic', '', 'Negotiate', 'Basic  ', 'Bearer\t'), headerBytes)
    .map(([scheme, bytes]) => ({
      headers: [['Authorization', Buffer.concat([text(`${scheme} `), bytes])]] as Header[],
      presents: undefined,
    })),
  // Base64 of arbitrary bytes, with and without a colon; of a real key without the colon.
  fc.uint8Array({ maxLength: 120 }).map((bytes) => ({
    headers: [['Authorization', text(`Basic ${Buffer.from(bytes).toString('base64')}`)]] as Header[],
    presents: undefined,
  })),
  which.map((name) => ({
    headers: [['Authorization', text(`Basic ${Buffer.from(secretOf(name)).toString('base64')}`)]] as Header[],
    presents: undefined,
  })),
  // Huge: past the 4096-character refusal (room for access tokens), below Node's 16 KB header limit, and past it.
  fc
    .constantFrom(4097, 8000, 12_000, 20_000)
    .map((n) => ({ headers: [['Authorization', text(`Bearer ${'A'.repeat(n)}`)]] as Header[], presents: undefined })),
  headerBytes.map((bytes) => ({ headers: [['X-Api-Key', bytes]] as Header[], presents: undefined })),
  // A real key with non-ASCII bytes around it.
  fc.tuple(which, fc.constantFrom('ä', '€', '\u0000', '\u00a0', 'ключ', '\u200b')).map(([name, extra]) => ({
    headers: [['X-Api-Key', Buffer.from(`${secretOf(name)}${extra}`, 'utf8')]] as Header[],
    presents: undefined,
  })),
);

const segment = fc.oneof(
  fc.constantFrom(
    'v1',
    'users',
    'candidates',
    '..',
    '.',
    '',
    '%2e%2e',
    '%2f',
    '%2F',
    '%00',
    '%75sers',
    'USERS',
    ';',
    '%',
    '%zz',
    '1',
  ),
  fc.string({ maxLength: 6 }).map(encodeURIComponent),
);
const uri = fc.oneof(
  fc.constantFrom(
    '/v1/users',
    '/v1/users?page=2',
    '//v1/users',
    '/v1//users',
    '/v1/./users',
    '/v1/x/../users',
    '/v1%2fusers',
    '/v1/%75sers',
    '/v1/users/',
    '/v1/users#x',
    'v1/users',
    '/v1/users%00',
    '/V1/USERS',
  ),
  fc.array(segment, { maxLength: 8 }).map((segments) => `/${segments.join('/')}`),
  fc.constantFrom(2000, 9000).map((n) => `/v1/users/${'a'.repeat(n)}`),
  headerBytes.map((bytes) => bytes.toString('latin1')),
);
const method = fc.constantFrom('GET', 'HEAD', 'POST', 'DELETE', 'PUT', 'get', 'Get', 'BREW', 'OPTIONS', '');

interface Target {
  headers: Header[];
  /** The request line's method and path below /authz (Envoy's convention, or nothing). */
  requestMethod: string;
  requestPath: string;
  /** Every (method, uri) the request names, whichever convention carries it. */
  named: { method: string; uri: string }[];
  /** The methods its override headers and `_method` parameters name. */
  overrides?: string[];
}

const target: fc.Arbitrary<Target> = fc
  .record({
    nginx: fc.option(fc.tuple(fc.option(method, { nil: undefined }), fc.option(uri, { nil: undefined })), {
      nil: undefined,
    }),
    traefik: fc.option(fc.tuple(fc.option(method, { nil: undefined }), fc.option(uri, { nil: undefined })), {
      nil: undefined,
    }),
    envoy: fc.option(uri, { nil: undefined }),
    requestMethod: fc.constantFrom('GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS', 'PATCH'),
  })
  .map(({ nginx, traefik, envoy, requestMethod }) => {
    const headers: Header[] = [];
    const named: Target['named'] = [];
    const add = (pair: [string | undefined, string | undefined] | undefined, m: string, u: string) => {
      if (pair === undefined || (pair[0] === undefined && pair[1] === undefined)) return;
      if (pair[0] !== undefined) headers.push([m, text(pair[0])]);
      if (pair[1] !== undefined) headers.push([u, text(pair[1])]);
      named.push({ method: pair[0] ?? '', uri: pair[1] ?? '' });
    };
    add(nginx, 'X-Original-Method', 'X-Original-URI');
    add(traefik, 'X-Forwarded-Method', 'X-Forwarded-Uri');
    // The request line cannot carry spaces or controls: those bytes are percent-encoded as a client would.
    const envoyPath =
      envoy === undefined
        ? ''
        : envoy.replace(/[\x00-\x20\x7f-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    if (envoy !== undefined && envoyPath.startsWith('/')) named.push({ method: requestMethod, uri: envoyPath });
    return { headers, requestMethod, requestPath: envoyPath, named };
  });

const validCredential = credential.filter((c) => c.presents !== undefined);
/** One convention naming a plausible target, so allowed answers are reached as often as refusals. */
const plausibleTarget: fc.Arbitrary<Target> = fc
  .tuple(
    fc.constantFrom('/v1/users', '/v1/users?page=2', '/v1/users/1', '/v1/candidates'),
    fc.constantFrom('GET', 'HEAD', 'DELETE'),
    fc.constantFrom('envoy', 'nginx', 'traefik'),
  )
  .map(([u, m, convention]) => {
    if (convention === 'envoy')
      return { headers: [], requestMethod: m, requestPath: u, named: [{ method: m, uri: u }] };
    const [mh, uh] =
      convention === 'nginx' ? ['X-Original-Method', 'X-Original-URI'] : ['X-Forwarded-Method', 'X-Forwarded-Uri'];
    return {
      headers: [
        [mh, text(m)],
        [uh, text(u)],
      ] as Header[],
      requestMethod: 'GET',
      requestPath: '',
      named: [{ method: m, uri: u }],
    };
  });

/**
 * Method overrides a client may add (header names in any spelling, repeated; `_method` in any query it names):
 * frameworks behind the gateway would run the named method, so it counts as a method the request names.
 */
const overrideMethod = fc.oneof(
  method,
  fc.constantFrom('DELETE', 'delete', ' DELETE ', 'GET, DELETE', 'DELETE,GET', 'GET', 'get', 'HEAD', 'PATCH'),
);
const overrideHeader = fc.tuple(
  fc.constantFrom(
    'X-HTTP-Method-Override',
    'x-method-override',
    'X-HTTP-Method',
    'X-Http-Method-OVERRIDE',
    'X_HTTP_Method_Override',
    'x-http_method-override',
    'X_Method_Override',
    'x_http_method',
  ),
  overrideMethod,
);
const overrideParam = fc.tuple(
  fc.constantFrom(
    '_method',
    '_METHOD',
    '_Method',
    '%5Fmethod',
    '%5fMETHOD',
    '_meth%6Fd',
    '%255Fmethod',
    '_method[]',
    '+_method',
    '.method',
    '_HttpMethod',
    'X-HTTP-Method-Override',
  ),
  fc.constantFrom('DELETE', 'delete', 'DEL%45TE', 'PUT', 'GET', 'get', 'HEAD', '', 'GET%2CDELETE'),
);
const decodeAll = (value: string): string => {
  let current = value.replace(/\+/g, ' ');
  for (let i = 0; i < 3; i++)
    current = current.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return current;
};
const withOverrides = (t: Target) =>
  fc
    .record({ headers: fc.array(overrideHeader, { maxLength: 3 }), params: fc.array(overrideParam, { maxLength: 2 }) })
    .map(({ headers, params }) => {
      const overrides = [
        ...headers.flatMap(([, value]) => value.split(',')),
        ...params.map(([, value]) => decodeAll(value)),
      ];
      const query = params.map(([name, value]) => `${name}=${value}`).join('&');
      const addQuery = (u: string) => (query === '' ? u : `${u}${u.includes('?') ? '&' : '?'}${query}`);
      return {
        headers: [
          ...t.headers.map(
            ([name, value]): Header =>
              /-uri$/i.test(name) ? [name, text(addQuery(value.toString('latin1')))] : [name, value],
          ),
          ...headers.map(([name, value]): Header => [name, text(value)]),
        ],
        requestMethod: t.requestMethod,
        requestPath: t.requestPath === '' ? '' : addQuery(t.requestPath),
        named: t.named.map((n) => ({ method: n.method, uri: addQuery(n.uri) })),
        overrides,
      } satisfies Target;
    });

const hostileOrPlausible = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(credential, target) },
  { weight: 1, arbitrary: fc.tuple(validCredential, plausibleTarget) },
  { weight: 1, arbitrary: fc.tuple(validCredential, plausibleTarget.chain(withOverrides)) },
  { weight: 1, arbitrary: fc.tuple(credential, target.chain(withOverrides)) },
);

function request(t: Target, credentials: Header[]): Buffer {
  const lines: Buffer[] = [
    text(`${t.requestMethod} ${AUTHZ_PREFIX}${t.requestPath} HTTP/1.1\r\nHost: authz\r\nConnection: close\r\n`),
  ];
  for (const [name, value] of [...credentials, ...t.headers]) lines.push(text(`${name}: `), value, text('\r\n'));
  lines.push(text('\r\n'));
  return Buffer.concat(lines);
}

const grantedEndpoint = () => rt.catalog.endpoints.find((e) => `${e.method} ${e.path}` === GRANT);

/** What the granted key may call: GET (or HEAD) of exactly the granted endpoint, however the path is spelled. */
function namesOnlyTheGrant(named: Target['named']): boolean {
  if (named.length === 0) return false;
  return named.every(({ method: m, uri: u }) => {
    const upper = m.toUpperCase();
    if (upper !== 'GET' && upper !== 'HEAD') return false;
    const segments = normalizeRequestPath(u);
    return segments !== undefined && rt.catalog.match('GET', u)?.id === grantedEndpoint()?.id;
  });
}

describe('/authz under hostile headers, paths and methods', () => {
  it('allows only the granted key for the granted endpoint, never errors, and always says no-store', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(hostileOrPlausible, async ([cred, t]) => {
        const answer = await send(request(t, cred.headers));
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status >= 200 && answer.status < 300) {
          expect(cred.presents).toBe(granted.secret);
          expect(answer.headers.get('x-key-id')).toBe(granted.id);
          expect(namesOnlyTheGrant(t.named)).toBe(true);
          // An override may only repeat the judged method (HEAD is GET): the key holds nothing else.
          for (const named of t.overrides ?? []) expect(['GET', 'HEAD']).toContain(named.trim().toUpperCase());
        }
        // 503 is the staleness rule's answer and only while the index is not fresh; nothing else is a 5xx.
        if (answer.status >= 500) {
          expect(answer.status).toBe(503);
          expect(authz.sync.freshness(Date.now())).not.toBe('fresh');
        }
        expect(answer.headers.get('cache-control')).toBe('no-store');
      }),
      { numRuns: 1500 },
    );
    // Not vacuous: the generators reach allowed, refused and malformed answers alike.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(401) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(403) ?? 0).toBeGreaterThan(0);
  });

  it('keeps answering correctly after the hostile traffic', async () => {
    const after = await send(
      request({ headers: [], requestMethod: 'GET', requestPath: '/v1/users', named: [] }, [
        ['X-Api-Key', text(granted.secret)],
      ]),
    );
    expect(after.status).toBe(200);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
  });

  it('does not let a client name another target through duplicated headers', async () => {
    const twice = Buffer.concat([
      text(`GET ${AUTHZ_PREFIX} HTTP/1.1\r\nHost: authz\r\nConnection: close\r\nX-Api-Key: ${granted.secret}\r\n`),
      text(
        'X-Original-Method: GET\r\nX-Original-URI: /v1/users\r\nX-Original-Method: DELETE\r\nX-Original-URI: /v1/users/1\r\n\r\n',
      ),
    ]);
    const answer = await send(twice);
    // Node joins duplicates with ", ", which names no endpoint: never an allow.
    expect(answer.status).not.toBe(200);
    await waitUntil(
      async () =>
        (
          await send(
            request({ headers: [], requestMethod: 'GET', requestPath: '/v1/users', named: [] }, [
              ['X-Api-Key', text(granted.secret)],
            ]),
          )
        ).status === 200,
    );
  });
});

describe('/authz when its key change channel is lost', () => {
  it('fails closed: once stale, every answer is a 503 with no-store, the granted key included, and it recovers', async () => {
    const database = new URL(rt.db.url);
    const proxy = await startTcpProxy(database.hostname, Number(database.port || 5432));
    const viaProxy = new URL(rt.db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const logger = createLogger('silent');
    const stale = createAuthzService({
      catalog: rt.catalog,
      secretFormat: rt.secretFormat,
      digest: rt.digest,
      source: createKeyIndexSource(rt.db.sql),
      feed: createKeyChangeListener(viaProxy.toString(), { heartbeatMs: 100 }),
      usageSink: createUsageSink(rt.db.sql),
      logger,
      maxStalenessMs: 300,
      usageFlushMs: 60_000,
      realm: 'Harvest API',
    });
    stale.start();
    await stale.sync.loaded();
    const server = createHttpServer({
      logger,
      readiness: [],
      routes: [authzRoute(stale.handle)],
    });
    await listen(server.server, 0, '127.0.0.1');
    const ask = async (headers: Record<string, string>, path = '/authz/v1/users') => {
      const response = await fetch(`http://127.0.0.1:${server.port()}${path}`, { headers });
      await response.text();
      return response;
    };
    try {
      await waitUntil(async () => (await ask({ 'x-api-key': granted.secret })).status === 200);
      await proxy.cut();
      await waitUntil(async () => stale.sync.freshness(Date.now()) === 'stale');
      await fc.assert(
        fc.asyncProperty(hostileOrPlausible, async ([cred, t]) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of [...cred.headers, ...t.headers])
            headers[name] = value.toString('latin1').replace(/[^\x20-\x7e]/g, '');
          const below = t.requestPath.replace(/[^\x21-\x7e]/g, '');
          const response = await ask(headers, `${AUTHZ_PREFIX}${below}`).catch(() => undefined);
          if (response === undefined) return; // a header fetch itself refuses to send
          // Node itself refuses what it cannot parse (400) or oversized headers (431): never an allow either.
          // fetch resolves dot segments first, so only what still names /authz reaches it.
          const sent = new URL(`${AUTHZ_PREFIX}${below}`, 'http://x').pathname;
          if (sent === AUTHZ_PREFIX || sent.startsWith(`${AUTHZ_PREFIX}/`))
            expect([400, 431, 503]).toContain(response.status);
          else expect([400, 404, 431]).toContain(response.status);
          expect(response.headers.get('cache-control')).toBe('no-store');
        }),
        { numRuns: 200 },
      );
      expect((await ask({ 'x-api-key': granted.secret })).status).toBe(503);
      await proxy.restore();
      await waitUntil(async () => (await ask({ 'x-api-key': granted.secret })).status === 200, 20_000);
    } finally {
      await server.close();
      await stale.stop();
      await proxy.close();
    }
  });
});
