import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { overridesMethod } from '../../src/authz/method-override.ts';

/** A request as Node parses it: rawHeaders as sent, headers lowercased and joined. */
function request(raw: [string, string][], url = '/authz'): IncomingMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of raw) {
    const key = name.toLowerCase();
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  return { url, headers, rawHeaders: raw.flat() } as unknown as IncomingMessage;
}

describe('overridesMethod', () => {
  it('sees the three header names in any case and with _ for -, and judges each repeated value', () => {
    for (const name of [
      'X-HTTP-Method-Override',
      'x-method-override',
      'X-HTTP-METHOD',
      'X_HTTP_Method_Override',
      'x-http_method-override',
      'X_Method_Override',
    ]) {
      expect(overridesMethod(request([[name, 'DELETE']]), 'GET'), name).toBe(true);
      expect(overridesMethod(request([[name, 'get']]), 'GET'), name).toBe(false);
      expect(
        overridesMethod(
          request([
            [name, 'GET'],
            [name, 'DELETE'],
          ]),
          'GET',
        ),
        name,
      ).toBe(true);
      expect(overridesMethod(request([[name, 'GET,PUT']]), 'GET'), name).toBe(true);
    }
    expect(overridesMethod(request([['X-HTTP-Method-Override', 'GET']]), 'HEAD')).toBe(false);
    expect(overridesMethod(request([['X-HTTP-Method-Override', '']]), 'GET')).toBe(true);
  });

  it('ignores headers that only mention a method: the target headers, X-Method-Overrides, X-HTTP-Methods', () => {
    const others: [string, string][] = [
      ['X-Original-Method', 'DELETE'],
      ['X-Forwarded-Method', 'DELETE'],
      ['X-Method-Overrides', 'DELETE'],
      ['X-HTTP-Methods', 'DELETE'],
      ['Method', 'DELETE'],
    ];
    expect(overridesMethod(request(others), 'GET')).toBe(false);
  });

  it('reads _method from the query of every target URI, however it is encoded, and leaves a plain method alone', () => {
    const viaNginx = (uri: string) =>
      request([
        ['X-Original-Method', 'GET'],
        ['X-Original-URI', uri],
      ]);
    const viaTraefik = (uri: string) =>
      request([
        ['X-Forwarded-Method', 'GET'],
        ['X-Forwarded-Uri', uri],
      ]);
    const viaEnvoy = (uri: string) => request([], `/authz${uri}`);
    for (const via of [viaNginx, viaTraefik, viaEnvoy]) {
      for (const query of [
        '_method=DELETE',
        '%5Fmethod=DELETE',
        '%255fMETHOD=delete',
        '_method=DEL%45TE',
        'a=1;_method=PUT',
        '_method[]=PUT',
        '_method',
        'X-HTTP-Method-Override=PUT',
      ]) {
        expect(overridesMethod(via(`/v1/users?${query}`), 'GET'), query).toBe(true);
      }
      for (const query of ['_method=GET', '_method=head', 'method=card', 'Method=DELETE', 'q=_method', 'a=%zz']) {
        expect(overridesMethod(via(`/v1/users?${query}`), 'GET'), query).toBe(false);
      }
      expect(overridesMethod(via('/v1/method/_method'), 'GET')).toBe(false);
    }
  });
});
