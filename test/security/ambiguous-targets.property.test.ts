import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { harvestCatalog } from '../../src/catalog/load-catalog.ts';
import { normalizeRequestPath } from '../../src/catalog/path-matcher.ts';
import type { Endpoint } from '../../src/catalog/types.ts';
import { type EvaluableKey, evaluate } from '../../src/keys/evaluate.ts';

/**
 * `/authz` judges a target once; the upstream behind the gateway routes the same bytes again, its own way. Four
 * upstream routers that real servers resemble are modelled here, and for every catalog endpoint a key granted only
 * that endpoint must never be allowed a target that one of them would route to another endpoint or to another
 * resource (different parameter values). Routing to nothing (a 400 or 404 upstream) is harmless.
 */

const catalog = harvestCatalog();
type Routed = { id: string; params: Record<string, string> } | undefined;

const templates = catalog.endpoints.map((e) => ({ endpoint: e, segments: e.path.split('/').slice(1) }));

/** Static-first routing with backtracking, parameters taking any non-empty value: how most routers behave. */
function route(method: string, segments: string[], caseInsensitive = false): Routed {
  const fold = (s: string) => (caseInsensitive ? s.toLowerCase() : s);
  let best: { endpoint: Endpoint; segments: string[] } | undefined;
  for (const candidate of templates) {
    if (candidate.endpoint.method !== method || candidate.segments.length !== segments.length) continue;
    const fits = candidate.segments.every((t, i) =>
      t.startsWith(':') ? (segments[i] as string) !== '' : fold(t) === fold(segments[i] as string),
    );
    if (!fits) continue;
    // The more specific wins: at the first position where they differ, a static segment beats a parameter.
    if (best === undefined || moreSpecific(candidate.segments, best.segments)) best = candidate;
  }
  if (best === undefined) return undefined;
  const params: Record<string, string> = {};
  best.segments.forEach((t, i) => {
    if (t.startsWith(':')) params[t.slice(1)] = segments[i] as string;
  });
  return { id: best.endpoint.id, params };
}

function moreSpecific(a: string[], b: string[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const aParam = (a[i] as string).startsWith(':');
    const bParam = (b[i] as string).startsWith(':');
    if (aParam !== bParam) return !aParam;
  }
  return false;
}

/** RFC 3986 remove_dot_segments over already split segments; empty segments are merged away as most servers do. */
function resolveDots(segments: string[]): string[] {
  const out: string[] = [];
  for (const s of segments) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out;
}

function pathOf(target: string, cutAtHash: boolean): string {
  let path = target.split('?')[0] as string;
  if (cutAtHash) path = path.split('#')[0] as string;
  const absolute = /^https?:\/\/[^/]*(\/.*)?$/i.exec(path);
  return absolute === null ? path : (absolute[1] ?? '/');
}

const decode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/** A Java servlet container (Jetty, Tomcat): `;` path parameters cut from each segment, then decoded, then resolved. */
function servletUpstream(method: string, target: string): Routed {
  const segments: string[] = [];
  for (const raw of pathOf(target, false).split('/').slice(1)) {
    const decoded = decode(raw.split(';')[0] as string);
    if (decoded === undefined) return undefined;
    segments.push(decoded);
  }
  return route(method, resolveDots(segments));
}

/** A proxy that decodes and a framework that decodes again (`%252e` becomes `.`, `%252f` a slash). */
function doubleDecodingUpstream(method: string, target: string): Routed {
  const once = decode(pathOf(target, true));
  const twice = once === undefined ? undefined : decode(once);
  if (twice === undefined) return undefined;
  return route(method, resolveDots(twice.split('/').slice(1)));
}

/** A router that normalises Unicode (NFKC) after decoding: fullwidth `．` is `.`, `／` is `/`, `１` is `1`. */
function unicodeUpstream(method: string, target: string): Routed {
  const decoded = decode(pathOf(target, true));
  if (decoded === undefined) return undefined;
  return route(method, resolveDots(decoded.normalize('NFKC').split('/').slice(1)));
}

/** A Windows-style server: `\` is a separator, trailing dots and spaces are trimmed, names are case-insensitive. */
function windowsUpstream(method: string, target: string): Routed {
  const decoded = decode(pathOf(target, true).replaceAll('\\', '/'));
  if (decoded === undefined) return undefined;
  const segments = decoded
    .split(/[/\\]/)
    .slice(1)
    .map((s) => s.replace(/[. ]+$/, ''));
  return route(method, resolveDots(segments), true);
}

const UPSTREAMS = { servletUpstream, doubleDecodingUpstream, unicodeUpstream, windowsUpstream };

/** What `/authz` took the parameters to be. */
function ourParams(endpoint: Endpoint, target: string): Record<string, string> {
  const segments = normalizeRequestPath(target) ?? [];
  const params: Record<string, string> = {};
  endpoint.path
    .split('/')
    .slice(1)
    .forEach((t, i) => {
      if (t.startsWith(':')) params[t.slice(1)] = segments[i] as string;
    });
  return params;
}

const fullwidth = (s: string) =>
  [...s].map((c) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');
const encodeAll = (s: string, lower = false) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) => `%${b.toString(16).padStart(2, '0')[lower ? 'toLowerCase' : 'toUpperCase']()}`)
    .join('');

function staticVariants(s: string): string[] {
  return [
    s,
    s,
    s,
    encodeAll(s),
    encodeAll(s, true),
    `%25${encodeAll(s[0] as string).slice(1)}${s.slice(1)}`,
    `${s};a=b`,
    `${s};`,
    `${s}.`,
    `${s}%2e`,
    `${s}%20`,
    `${s}%3b`,
    `${s}%3B`,
    `${s}\\`,
    `${s}%5c`,
    fullwidth(s),
    s.toUpperCase(),
    `${s.slice(0, 1)}${fullwidth(s.slice(1, 2))}${s.slice(2)}`,
  ];
}

const PARAM_POOL = [
  '1',
  '42',
  '9223372036854775807',
  '9223372036854775808',
  '99999999999999999999',
  '007',
  '0',
  '+1',
  '-1',
  '1e3',
  '1.0',
  '1.',
  '%31',
  '%2531',
  '.;',
  '..;',
  '.%3b',
  '.%3B',
  '%2e;',
  '%2e',
  ';',
  '1;x',
  '1%3B',
  '1;',
  '%252e%252e',
  '%252e',
  '%EF%BC%8E%EF%BC%8E',
  '%EF%BC%8E',
  '\uff0e',
  '\uff0e\uff0e',
  '..',
  '.',
  '%2e%2e',
  '\\..',
  '1%5c..',
  '1\\..',
  '%5c',
  'job',
  'candidate',
  'JOB',
  'job.',
  'job%20',
  'abc-DEF_1',
  'a'.repeat(129),
  '\uff11',
  '%EF%BC%91',
  '1%20',
  '%201',
  '1%00',
  '%C0%AE%C0%AE',
  '%c0%ae',
  '1%2f..',
  '1%252f..',
  '1#x',
  '1%23',
  '1%3F',
  'x',
  'me',
  'current',
  '1%09',
];
const JUNK_SEGMENTS = [
  '..',
  '.',
  '.;',
  '..;',
  '%2e',
  '%2e%2e',
  ';x',
  '%252e%252e',
  '\uff0e\uff0e',
  '%EF%BC%8E%EF%BC%8E',
  '',
  'x',
  '..%2f',
  '%2f',
  '%5c..',
  '%252f',
  '..\\',
  '.%00',
  '%3b',
  '..%3b',
  '...',
  '.. ',
  '..%20',
];
const SUFFIXES = [
  '',
  '',
  '',
  '/',
  '?a=b',
  '#x',
  ';jsessionid=1',
  '/.',
  '/..',
  '/..;',
  '/%2e%2e',
  '/.;',
  '?x=/../1',
  '%3b',
  '/%252e%252e',
  '\\',
];
const fuzzChars = [
  '.',
  ';',
  '%',
  '2',
  'e',
  'E',
  '3',
  'b',
  'B',
  '5',
  'c',
  'C',
  'f',
  'F',
  '1',
  '/',
  '\\',
  '\uff0e',
  '\uff0f',
  '#',
  '?',
  ' ',
  'a',
  '0',
];

function targetFor(base: Endpoint): fc.Arbitrary<string> {
  const pieces = base.path
    .split('/')
    .slice(1)
    .map((t) =>
      t.startsWith(':')
        ? fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(...PARAM_POOL) },
            { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...fuzzChars), minLength: 1, maxLength: 6 }) },
          )
        : fc.constantFrom(...staticVariants(t)),
    );
  const insertion = fc.option(fc.tuple(fc.nat({ max: pieces.length }), fc.constantFrom(...JUNK_SEGMENTS)), { freq: 2 });
  return fc
    .tuple(fc.tuple(...pieces), insertion, fc.constantFrom(...SUFFIXES), fc.boolean())
    .map(([segments, insert, suffix, absolute]) => {
      const list = [...segments];
      if (insert !== null) list.splice(insert[0], 0, insert[1]);
      return `${absolute ? 'http://api.example.com' : ''}/${list.join('/')}${suffix}`;
    });
}

describe('a target that upstreams could route elsewhere is never allowed', () => {
  const onlyGranted = (endpoint: Endpoint): EvaluableKey => ({
    status: 'active',
    legacy: false,
    expiresAt: null,
    revokeAt: null,
    permissions: new Set([endpoint.id]),
  });

  it('the reported case: a key granted Retrieve Candidate is not allowed GET /v1/candidates/.; (List Candidates upstream)', () => {
    const retrieve = catalog.byId.get('GET /v1/candidates/:id') as Endpoint;
    expect(servletUpstream('GET', '/v1/candidates/.;')?.id).toBe('GET /v1/candidates');
    expect(evaluate(catalog, onlyGranted(retrieve), 'GET', '/v1/candidates/.;').allowed).toBe(false);
  });

  it.each(catalog.endpoints.map((e) => [e.id, e] as const))('%s', (_id, endpoint) => {
    const key = onlyGranted(endpoint);
    // Targets built from the endpoint itself and its neighbours (same method, same resource path): the confusions
    // are between neighbours, as List and Retrieve Candidate.
    const prefix = endpoint.path.split('/').slice(0, 3).join('/');
    const bases = catalog.endpoints.filter(
      (e) => e.method === endpoint.method && e.path.split('/').slice(0, 3).join('/') === prefix,
    );
    const target = fc.oneof(targetFor(endpoint), fc.constantFrom(...bases).chain(targetFor));
    fc.assert(
      fc.property(
        target,
        fc.constantFrom(endpoint.method, endpoint.method === 'GET' ? 'HEAD' : endpoint.method),
        (path, method) => {
          if (!evaluate(catalog, key, method, path).allowed) return;
          const ours = { id: endpoint.id, params: ourParams(endpoint, path) };
          for (const [name, upstream] of Object.entries(UPSTREAMS)) {
            const theirs = upstream(endpoint.method, path);
            if (theirs !== undefined)
              expect({ upstream: name, path, ...theirs }).toEqual({ upstream: name, path, ...ours });
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
