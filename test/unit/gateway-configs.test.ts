import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The shipped gateway configurations (manifests/gateways/) are copied into production as they are: they must log no
 * credential (Basic username, Authorization, X-Api-Key, a query string that could carry a key) and must keep method
 * overrides away from the API. nginx's are also run for real in test/integration/authz-nginx.test.ts.
 */
const dir = path.resolve(import.meta.dirname, '../../manifests/gateways');
const read = (file: string) => {
  const full = path.join(dir, file);
  expect(existsSync(full), `${file} is shipped`).toBe(true);
  return existsSync(full) ? readFileSync(full, 'utf8') : '';
};
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is walked by shape
const yaml = (file: string): any => parse(read(file)) ?? {};

const OVERRIDE_HEADERS = ['X-HTTP-Method-Override', 'X-Method-Override', 'X-HTTP-Method'];
/** Headers that carry a credential (or a URL with a query that may): never logged. */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'proxy-authorization', 'cookie', 'referer'];
/** Served by harvest-keys on AUTHZ_PORT, routed without the key check (README "Harvest v3 clients"). */
const OAUTH_ROUTES = [
  { path: '/oauth/token', method: 'POST' },
  { path: '/oauth/introspect', method: 'POST' },
  { path: '/oauth/revoke', method: 'POST' },
  { path: '/.well-known/oauth-authorization-server', method: 'GET' },
] as const;

describe('nginx (manifests/gateways/nginx.conf)', () => {
  const conf = read('nginx.conf')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .join('\n');
  const directives = (name: string) =>
    [...conf.matchAll(new RegExp(`(?:^|[\\s;{}])${name}\\s+([^;]*);`, 'g'))].map((m) => (m[1] ?? '').trim());
  /** The text between the braces of `location <spec> {`. */
  const block = (spec: string) => {
    const start = conf.indexOf(`location ${spec} {`);
    expect(start, `location ${spec}`).toBeGreaterThan(-1);
    let depth = 0;
    for (let i = conf.indexOf('{', start); i < conf.length; i++) {
      if (conf[i] === '{') depth++;
      if (conf[i] === '}' && --depth === 0) return conf.slice(start, i);
    }
    return '';
  };

  const formats = new Map(
    directives('log_format').map((args) => {
      const [name = '', ...rest] = args.split(/\s+/);
      return [name, rest.join(' ').replace(/^escape=\S+\s*/, '')];
    }),
  );

  it('logs every request in its own format, never the default (combined) one', () => {
    const accessLogs = directives('access_log');
    expect(accessLogs.length).toBeGreaterThan(0);
    for (const args of accessLogs) {
      if (args === 'off') continue;
      const [, format] = args.split(/\s+/);
      expect(format, `access_log ${args}: name the format, or nginx uses "combined" with $remote_user`).toBeDefined();
      expect(['combined', 'main']).not.toContain(format);
      expect(formats.has(format as string), `access_log ${args}: format defined in this file`).toBe(true);
    }
  });

  it('has log formats made only of variables that cannot carry a key: the path without its query, no $remote_user', () => {
    expect(formats.size).toBeGreaterThan(0);
    const allowed = new Set([
      'time_iso8601',
      'time_local',
      'msec',
      'remote_addr',
      'request_method',
      'uri',
      'server_protocol',
      'status',
      'body_bytes_sent',
      'bytes_sent',
      'request_length',
      'request_time',
      'upstream_response_time',
      'upstream_status',
      'http_user_agent',
      'request_id',
      'host',
      'harvest_key_id',
    ]);
    for (const [name, format] of formats) {
      const variables = [...format.matchAll(/\$\{?([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
      expect(variables.length).toBeGreaterThan(0);
      for (const forbidden of [
        'remote_user',
        'http_authorization',
        'http_x_api_key',
        'request',
        'request_uri',
        'args',
        'query_string',
        'http_referer',
        'http_cookie',
      ]) {
        expect(variables, `log_format ${name}`).not.toContain(forbidden);
      }
      expect(
        variables.filter((v) => v.startsWith('arg_') || v.startsWith('cookie_')),
        `log_format ${name}`,
      ).toEqual([]);
      for (const variable of variables) expect(allowed, `log_format ${name}: $${variable}`).toContain(variable);
    }
  });

  it('sets an error log level that never echoes request headers (warn or above, not info/debug)', () => {
    const errorLogs = directives('error_log');
    expect(errorLogs.length).toBeGreaterThan(0);
    for (const args of errorLogs)
      expect(['warn', 'error', 'crit', 'alert', 'emerg'], `error_log ${args}`).toContain(args.split(/\s+/)[1]);
  });

  it('clears the method override headers toward the API, but passes them to /authz so it can refuse them', () => {
    const api = block('/');
    for (const name of OVERRIDE_HEADERS)
      expect(api, name).toMatch(new RegExp(`proxy_set_header\\s+${name}\\s+"";`, 'i'));
    const authz = block('= /_harvest_keys_authz');
    expect(authz).not.toMatch(/proxy_pass_request_headers\s+off/);
    for (const name of OVERRIDE_HEADERS)
      expect(authz, name).not.toMatch(new RegExp(`proxy_set_header\\s+${name}\\s`, 'i'));
    // nginx drops header names with underscores (X_HTTP_Method_Override) unless told otherwise.
    expect(conf).not.toMatch(/underscores_in_headers\s+on/);
    expect(conf).not.toMatch(/ignore_invalid_headers\s+off/);
  });

  it('routes POST /secret-scanning/github, and nothing else, to AUTHZ_PORT without auth_request, under 1 MB', () => {
    const reports = block('= /secret-scanning/github');
    expect(reports).not.toMatch(/auth_request/);
    expect(reports).toMatch(/limit_except\s+POST\s*\{\s*deny\s+all;\s*\}/);
    expect(reports).toMatch(/client_max_body_size\s+1m;/);
    // A fixed URI: harvest-keys gets this path whatever the client's spelling of it.
    expect(reports).toMatch(/proxy_pass\s+http:\/\/harvest_keys_authz\/secret-scanning\/github;/);
    const toAuthzPort = directives('proxy_pass').filter((target) => target.startsWith('http://harvest_keys_authz'));
    // Only these, each a fixed URI: no location passes a client's own path on to AUTHZ_PORT (/metrics, /readyz…).
    expect(toAuthzPort.sort()).toEqual([
      'http://harvest_keys_authz/.well-known/oauth-authorization-server',
      'http://harvest_keys_authz/authz',
      'http://harvest_keys_authz/oauth/introspect',
      'http://harvest_keys_authz/oauth/revoke',
      'http://harvest_keys_authz/oauth/token',
      'http://harvest_keys_authz/secret-scanning/github',
    ]);
    expect(block('= /_harvest_keys_authz')).toMatch(/\binternal;/);
  });

  it('routes the Harvest v3 OAuth endpoints to AUTHZ_PORT without auth_request: one method each, fixed URIs, the peer address', () => {
    for (const { path: oauthPath, method } of OAUTH_ROUTES) {
      const location = block(`= ${oauthPath}`);
      expect(location, oauthPath).not.toMatch(/auth_request/);
      expect(location, oauthPath).toMatch(new RegExp(`limit_except\\s+${method}\\s*\\{\\s*deny\\s+all;\\s*\\}`));
      expect(location, oauthPath).toMatch(new RegExp(`proxy_pass\\s+http://harvest_keys_authz${oauthPath};`));
      if (method === 'POST') {
        expect(location, oauthPath).toMatch(/client_max_body_size\s+16k;/);
        // The per-address failure limit counts the peer nginx saw, not an address the client names.
        expect(location, oauthPath).toMatch(/proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;/i);
      }
    }
  });

  it('sends /authz the client address nginx saw, which a client cannot choose, and words ip_not_allowed itself', () => {
    const authz = block('= /_harvest_keys_authz');
    expect(authz).toMatch(/proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;/i);
    // Appending to what the client sent, or real-IP handling that believes any client, would let it choose.
    expect(conf).not.toMatch(/\$proxy_add_x_forwarded_for/);
    expect(conf).not.toMatch(/set_real_ip_from\s+(0\.0\.0\.0\/0|::\/0)/);
    expect(block('/')).toMatch(/auth_request_set\s+\$harvest_denied_reason\s+\$upstream_http_x_denied_reason;/);
    const forbidden = block('@harvest_keys_forbidden');
    expect(forbidden).toContain('if ($harvest_denied_reason = "ip_not_allowed")');
    expect(forbidden).toContain('"reason":"ip_not_allowed"');
  });
});

describe('Traefik (manifests/gateways/traefik-static.yml, traefik.yml)', () => {
  it('sends /authz the peer address as X-Forwarded-For: no client-sent forwarding header is trusted', () => {
    const forwardAuth = yaml('traefik.yml').http.middlewares['harvest-keys'].forwardAuth;
    expect(forwardAuth.trustForwardHeader).toBe(false);
    for (const entryPoint of Object.values(yaml('traefik-static.yml').entryPoints ?? {}) as Array<{
      forwardedHeaders?: { insecure?: boolean; trustedIPs?: string[] };
    }>) {
      expect(entryPoint.forwardedHeaders?.insecure).not.toBe(true);
      for (const ip of entryPoint.forwardedHeaders?.trustedIPs ?? []) expect(['0.0.0.0/0', '::/0']).not.toContain(ip);
    }
  });

  it('writes JSON access logs without ClientUsername and with every request header dropped, credentials by name', () => {
    const traefik = yaml('traefik-static.yml');
    expect(traefik.accessLog?.format).toBe('json');
    expect(traefik.accessLog?.fields?.names?.ClientUsername).toBe('drop');
    const headers = traefik.accessLog?.fields?.headers;
    expect(headers?.defaultMode).toBe('drop');
    const byName = new Map(Object.entries(headers?.names ?? {}).map(([name, mode]) => [name.toLowerCase(), mode]));
    for (const name of CREDENTIAL_HEADERS) expect(['drop', 'redact'], name).toContain(byName.get(name));
    expect(['ERROR', 'WARN', 'INFO']).toContain(String(traefik.log?.level).toUpperCase());
    expect(traefik.providers?.file?.filename ?? traefik.providers?.file?.directory).toBeDefined();
  });

  it('passes method overrides to /authz, then strips them before the API', () => {
    const { http } = yaml('traefik.yml');
    const forwardAuth = http.middlewares['harvest-keys'].forwardAuth;
    const sentToAuthz = (forwardAuth.authRequestHeaders as string[]).map((h) => h.toLowerCase());
    for (const name of OVERRIDE_HEADERS) expect(sentToAuthz, name).toContain(name.toLowerCase());
    const strip = Object.entries(
      http.middlewares as Record<string, { headers?: { customRequestHeaders?: Record<string, string> } }>,
    ).find(([, m]) => m.headers?.customRequestHeaders !== undefined);
    expect(strip, 'a headers middleware').toBeDefined();
    const [stripName, stripMiddleware] = strip as [
      string,
      { headers: { customRequestHeaders: Record<string, string> } },
    ];
    const cleared = new Map(
      Object.entries(stripMiddleware.headers.customRequestHeaders).map(([name, value]) => [name.toLowerCase(), value]),
    );
    for (const name of OVERRIDE_HEADERS) {
      expect(cleared.get(name.toLowerCase()), name).toBe('');
      expect(cleared.get(name.toLowerCase().replace(/-/g, '_')), name.replace(/-/g, '_')).toBe('');
    }
    // Every router to the API (the secret scanning one goes to harvest-keys itself, checked below).
    const toApi = Object.values(http.routers as Record<string, { middlewares: string[]; service: string }>).filter(
      (router) => router.service === 'harvest-api',
    );
    expect(toApi.length).toBeGreaterThan(0);
    for (const router of toApi) {
      const order = router.middlewares;
      expect(order).toContain(stripName);
      expect(order.indexOf('harvest-keys')).toBeGreaterThan(-1);
      expect(order.indexOf('harvest-keys'), 'harvest-keys sees the overrides before they are stripped').toBeLessThan(
        order.indexOf(stripName),
      );
    }
  });
});

describe('the routes to harvest-keys itself in Traefik (manifests/gateways/traefik.yml)', () => {
  type Router = { rule: string; service: string; middlewares?: string[] };
  const { http } = yaml('traefik.yml');
  const services = http.services as Record<string, { loadBalancer: { servers: { url: string }[] } }>;
  const toHarvestKeys = Object.entries(services)
    .filter(([, s]) => s.loadBalancer.servers.some((server) => server.url.includes('harvest-keys')))
    .map(([name]) => name);
  const direct = Object.values(http.routers as Record<string, Router>).filter((router) =>
    toHarvestKeys.includes(router.service),
  );
  const bodyLimits = (router: Router | undefined) =>
    (router?.middlewares ?? []).map((name) => http.middlewares[name]?.buffering?.maxRequestBodyBytes);
  const byRule = (rule: string) => direct.find((router) => router.rule === rule);

  it('are only POST /secret-scanning/github and the OAuth endpoints, each an exact path and one method', () => {
    expect(direct.map((r) => r.rule).sort()).toEqual(
      [
        'Path(`/secret-scanning/github`) && Method(`POST`)',
        ...OAUTH_ROUTES.map(({ path: p, method }) => `Path(\`${p}\`) && Method(\`${method}\`)`),
      ].sort(),
    );
    // None serves /authz itself or a prefix of that port.
    for (const router of direct) expect(router.rule).not.toMatch(/PathPrefix|authz/);
  });

  it('skip the key check: no harvest-keys middleware, bodies limited (1 MB reports, 16 KB OAuth forms)', () => {
    for (const router of direct) expect(router.middlewares ?? [], router.rule).not.toContain('harvest-keys');
    expect(bodyLimits(byRule('Path(`/secret-scanning/github`) && Method(`POST`)'))).toContain(1_048_576);
    for (const { path: p, method } of OAUTH_ROUTES) {
      const router = byRule(`Path(\`${p}\`) && Method(\`${method}\`)`);
      expect(router, p).toBeDefined();
      if (method === 'POST') expect(bodyLimits(router), p).toContain(16_384);
    }
  });

  it('set no forwarding header of their own: X-Forwarded-For is the peer Traefik saw (checked above)', () => {
    for (const router of direct)
      for (const name of router.middlewares ?? []) {
        const headers = Object.keys(http.middlewares[name]?.headers?.customRequestHeaders ?? {});
        expect(
          headers.map((h) => h.toLowerCase()),
          name,
        ).not.toContain('x-forwarded-for');
      }
  });
});

describe('Envoy (manifests/gateways/envoy.yaml)', () => {
  const envoy = yaml('envoy.yaml');
  const hcm = envoy.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  const extAuthz = hcm.http_filters.find(
    (f: { name: string }) => f.name === 'envoy.filters.http.ext_authz',
  ).typed_config;

  type EnvoyRoute = {
    match: { path?: string; prefix?: string; headers?: { name: string; string_match?: { exact?: string } }[] };
    route: { cluster: string };
    typed_per_filter_config?: Record<string, { disabled?: boolean; buffer?: { max_request_bytes?: number } }>;
  };
  const routes = hcm.route_config.virtual_hosts.flatMap(
    (host: { routes: EnvoyRoute[] }) => host.routes,
  ) as EnvoyRoute[];
  const toHarvestKeys = routes.filter((route) => route.route.cluster === 'harvest_keys');
  const catchAll = routes.findIndex((route) => route.match.prefix === '/');

  it('sends only POST /secret-scanning/github and the OAuth endpoints, exact paths and one method each, to harvest-keys', () => {
    expect(
      toHarvestKeys.map((route) => ({
        path: route.match.path,
        prefix: route.match.prefix,
        headers: route.match.headers,
      })),
    ).toEqual(
      [{ path: '/secret-scanning/github', method: 'POST' }, ...OAUTH_ROUTES].map(({ path: p, method }) => ({
        path: p,
        prefix: undefined,
        headers: [{ name: ':method', string_match: { exact: method } }],
      })),
    );
    // Before the catch-all, which sends anything else (another method, another spelling) through ext_authz.
    for (const route of toHarvestKeys) expect(routes.indexOf(route), route.match.path).toBeLessThan(catchAll);
  });

  it('turns ext_authz off for those routes alone', () => {
    for (const route of toHarvestKeys)
      expect(route.typed_per_filter_config?.['envoy.filters.http.ext_authz']?.disabled, route.match.path).toBe(true);
    const unchecked = routes.filter(
      (route) => route.typed_per_filter_config?.['envoy.filters.http.ext_authz'] !== undefined,
    );
    expect(unchecked).toEqual(toHarvestKeys);
  });

  it('limits OAuth forms to 16 KB with a buffer filter that is off for every other route', () => {
    const filters = hcm.http_filters as Array<{ name: string; disabled?: boolean; typed_config: unknown }>;
    const buffer = filters.find((f) => f.name === 'envoy.filters.http.buffer');
    expect(buffer?.disabled, 'the API streams: no buffering unless a route asks').toBe(true);
    // Before the router, or it never runs.
    expect(filters.indexOf(buffer as (typeof filters)[number])).toBeLessThan(
      filters.findIndex((f) => f.name === 'envoy.filters.http.router'),
    );
    for (const route of routes) {
      const size = route.typed_per_filter_config?.['envoy.filters.http.buffer']?.buffer?.max_request_bytes;
      const oauthPost = OAUTH_ROUTES.some(({ path: p, method }) => p === route.match.path && method === 'POST');
      expect(size, route.match.path ?? route.match.prefix).toBe(oauthPost ? 16_384 : undefined);
    }
  });

  it('logs access in an explicit format: no credential header, the path without its query', () => {
    const logs = hcm.access_log as Array<{
      typed_config: {
        log_format?: {
          text_format_source?: { inline_string?: string };
          json_format?: unknown;
          formatters?: { name: string }[];
        };
      };
    }>;
    expect(logs?.length).toBeGreaterThan(0);
    for (const log of logs) {
      const format = log.typed_config.log_format;
      const text =
        format?.text_format_source?.inline_string ??
        (format?.json_format === undefined ? undefined : JSON.stringify(format.json_format));
      expect(text, 'an explicit log_format (the default one logs the path with its query)').toBeDefined();
      const operators = [...(text as string).matchAll(/%([A-Z_]+)(?:\(([^)]*)\))?(?::\d+)?%/g)];
      expect(operators.length).toBeGreaterThan(0);
      if ((text as string).includes('%REQ_WITHOUT_QUERY('))
        expect(format?.formatters?.map((f) => f.name)).toContain('envoy.formatter.req_without_query');
      for (const [whole, operator, args = ''] of operators) {
        const headers = args.split('?').map((h) => h.toLowerCase());
        for (const header of headers) expect(CREDENTIAL_HEADERS, whole).not.toContain(header);
        if (operator === 'REQ')
          for (const header of headers)
            expect([':path', 'x-envoy-original-path'], `${whole}: use REQ_WITHOUT_QUERY`).not.toContain(header);
        expect(['REQUEST_HEADERS', 'DYNAMIC_METADATA', 'FILTER_STATE'], whole).not.toContain(operator);
      }
    }
  });

  it('appends the peer it saw to x-forwarded-for (trusting no hops) and sends that header to /authz', () => {
    expect(hcm.use_remote_address).toBe(true);
    expect(hcm.xff_num_trusted_hops ?? 0).toBe(0);
    const toAuthz = (
      extAuthz.http_service.authorization_request.allowed_headers.patterns as Array<{ exact?: string }>
    ).map((p) => p.exact);
    expect(toAuthz).toContain('x-forwarded-for');
  });

  it('passes method overrides to /authz, removes them before the API and rejects header names with underscores', () => {
    const toAuthz = (
      extAuthz.http_service.authorization_request.allowed_headers.patterns as Array<{ exact?: string }>
    ).map((p) => p.exact);
    for (const name of OVERRIDE_HEADERS) expect(toAuthz, name).toContain(name.toLowerCase());
    const removed = (hcm.route_config.request_headers_to_remove ?? []) as string[];
    for (const name of OVERRIDE_HEADERS)
      expect(
        removed.map((h) => h.toLowerCase()),
        name,
      ).toContain(name.toLowerCase());
    expect(hcm.common_http_protocol_options?.headers_with_underscores_action).toBe('REJECT_REQUEST');
  });
});

describe('the README\'s OAuth gateway snippets ("Harvest v3 clients")', () => {
  const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Harvest v3 clients'),
    readme.indexOf('\n## ', readme.indexOf('## Harvest v3 clients') + 1),
  );
  const blocks = (lang: string) =>
    [...section.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] as string);
  /** nginx text without comments, one space between words: comparable whatever the layout. */
  const normalized = (text: string) =>
    text
      .split('\n')
      .map((line) => line.replace(/(^|\s)#.*$/, ''))
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
  const nginxLocation = (text: string, spec: string) => {
    const flat = normalized(text);
    const start = flat.indexOf(`location ${spec} {`);
    if (start === -1) return '';
    let depth = 0;
    for (let at = flat.indexOf('{', start); at < flat.length; at++) {
      if (flat[at] === '{') depth++;
      if (flat[at] === '}' && --depth === 0) return flat.slice(start, at + 1);
    }
    return '';
  };

  it('show what nginx.conf ships', () => {
    const [snippet = ''] = blocks('nginx');
    for (const spec of ['= /oauth/token', '= /.well-known/oauth-authorization-server']) {
      const shown = nginxLocation(snippet, spec);
      expect(shown, spec).not.toBe('');
      expect(shown, spec).toBe(nginxLocation(read('nginx.conf'), spec));
    }
  });

  it('show what traefik.yml and envoy.yaml ship', () => {
    const [traefikSnippet = '', envoySnippet = ''] = blocks('yaml');
    const shownTraefik = parse(traefikSnippet).http;
    const shipped = yaml('traefik.yml').http;
    for (const name of ['harvest-oauth-token', 'harvest-oauth-metadata'])
      expect(shownTraefik.routers[name], name).toEqual(shipped.routers[name]);
    expect(shownTraefik.middlewares['harvest-oauth-size']).toEqual(shipped.middlewares['harvest-oauth-size']);

    const [shownRoute] = parse(envoySnippet);
    const routes = yaml('envoy.yaml').static_resources.listeners[0].filter_chains[0].filters[0].typed_config
      .route_config.virtual_hosts[0].routes as { match: { path?: string } }[];
    expect(shownRoute).toEqual(routes.find((route) => route.match.path === '/oauth/token'));
  });
});
