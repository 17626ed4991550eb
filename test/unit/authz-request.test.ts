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
