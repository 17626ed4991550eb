import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { presentedKey } from '../../src/authz/credentials.ts';
import { requestTarget } from '../../src/authz/target.ts';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
const request = (headers: Record<string, string>, url = '/authz', method = 'GET') =>
  ({ headers, url, method }) as unknown as IncomingMessage;

describe('reading the presented key', () => {
  it('takes the Basic username (Harvest style key:), a Bearer token or X-Api-Key', () => {
    expect(presentedKey({ authorization: basic('hk_abc:') })).toBe('hk_abc');
    expect(presentedKey({ authorization: basic('hk_abc:ignored') })).toBe('hk_abc');
    expect(presentedKey({ authorization: 'bearer hk_abc' })).toBe('hk_abc');
    expect(presentedKey({ 'x-api-key': ' hk_abc ' })).toBe('hk_abc');
  });

  it('prefers Authorization over X-Api-Key', () => {
    expect(presentedKey({ authorization: 'Bearer from-auth', 'x-api-key': 'from-header' })).toBe('from-auth');
  });

  it('names the problem when there is no usable key', () => {
    expect(presentedKey({})).toEqual({ problem: 'missing' });
    expect(presentedKey({ authorization: basic(':') })).toEqual({ problem: 'empty' });
    expect(presentedKey({ authorization: basic(':secret') })).toEqual({ problem: 'empty' });
    expect(presentedKey({ authorization: 'Basic' })).toEqual({ problem: 'malformed' });
    expect(presentedKey({ authorization: 'Basic a$b=' })).toEqual({ problem: 'malformed' });
    expect(presentedKey({ authorization: basic('no-colon') })).toEqual({ problem: 'malformed' });
    expect(presentedKey({ authorization: 'Negotiate abc' })).toEqual({ problem: 'malformed' });
    expect(presentedKey({ authorization: `Bearer ${'x'.repeat(5000)}` })).toEqual({ problem: 'malformed' });
  });

  it('never throws, whatever the header holds', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (authorization, apiKey) => {
        const result = presentedKey({ authorization, 'x-api-key': apiKey });
        expect(typeof result === 'string' || typeof result.problem === 'string').toBe(true);
      }),
    );
  });

  it('reads Basic credentials exactly as base64 checked by a regular expression and decoded by Buffer would', () => {
    // The straightforward reading the hand-written one-pass decoder replaced (it ran on every API call).
    const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
    const reference = (credentials: string) => {
      if (credentials === '') return { problem: 'empty' };
      if (!STRICT_BASE64.test(credentials)) return { problem: 'malformed' };
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon === -1) return { problem: 'malformed' };
      return colon === 0 ? { problem: 'empty' } : decoded.slice(0, colon);
    };
    const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    const credentials = fc.oneof(
      // Well-formed: any bytes (invalid UTF-8 and colons anywhere), any text, padded or not.
      fc.uint8Array({ maxLength: 80 }).map(base64),
      fc.uint8Array({ maxLength: 80 }).map((bytes) => base64(bytes).replace(/=+$/, '')),
      fc
        .tuple(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ maxLength: 10 }))
        .map(([user, password]) => Buffer.from(`${user}:${password}`).toString('base64')),
      // Nearly well-formed: one character changed, dropped or added, padding in the wrong place.
      fc
        .tuple(
          fc.uint8Array({ minLength: 1, maxLength: 40 }),
          fc.nat(),
          fc.constantFrom('=', '==', '-', '_', ' ', 'é', 'A', ''),
        )
        .map(([bytes, at, insert]) => {
          const text = base64(bytes);
          const i = at % (text.length + 1);
          return text.slice(0, i) + insert + text.slice(i + (insert === '' ? 1 : 0));
        }),
      fc.string({ unit: fc.constantFrom(...'AZaz09+/=:-_ é'), maxLength: 40 }),
    );
    fc.assert(
      fc.property(credentials, (text) => {
        expect(presentedKey({ authorization: `Basic ${text}` })).toEqual(reference(text.trim()));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('reading the target', () => {
  it('reads Traefik, nginx and Envoy conventions', () => {
    expect(requestTarget(request({ 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/v1/a?b' }), '/authz')).toEqual({
      method: 'POST',
      path: '/v1/a?b',
    });
    expect(requestTarget(request({ 'x-original-method': 'GET', 'x-original-uri': '/v1/a' }), '/authz')).toEqual({
      method: 'GET',
      path: '/v1/a',
    });
    expect(requestTarget(request({}, '/authz/v1/a?x=1', 'DELETE'), '/authz')).toEqual({
      method: 'DELETE',
      path: '/v1/a?x=1',
    });
  });

  it('lets no convention win over another: disagreement is a conflict, agreement (HEAD = GET, query aside) is fine', () => {
    const both = {
      'x-forwarded-method': 'GET',
      'x-forwarded-uri': '/v1/a',
      'x-original-method': 'GET',
      'x-original-uri': '/v1/b',
    };
    expect(requestTarget(request(both), '/authz')).toEqual({ problem: 'conflicting_target' });
    expect(
      requestTarget(request({ ...both, 'x-original-uri': '/v1/a?page=2', 'x-original-method': 'head' }), '/authz'),
    ).toEqual({ method: 'GET', path: '/v1/a' });
    expect(
      requestTarget(request({ 'x-original-method': 'GET', 'x-original-uri': '/v1/a' }, '/authz/v1/b'), '/authz'),
    ).toEqual({ problem: 'conflicting_target' });
  });

  it('refuses a URI without its method and a request naming no target', () => {
    expect(requestTarget(request({ 'x-original-uri': '/v1/a' }), '/authz')).toEqual({ problem: 'incomplete_target' });
    expect(requestTarget(request({ 'x-forwarded-method': 'GET' }), '/authz')).toEqual({ problem: 'incomplete_target' });
    expect(requestTarget(request({}, '/authz?x=/v1/a'), '/authz')).toEqual({ problem: 'no_target' });
  });
});
