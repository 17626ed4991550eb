import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { askAuthz, basic, rawStatus, waitUntil } from '../helpers/authz-client.ts';
import { type ServerProcess, startServer } from '../helpers/processes.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';

/**
 * A client that sends GET with `X-HTTP-Method-Override: DELETE` (or `?_method=DELETE`) is judged as a GET, but many
 * frameworks then run the DELETE. /authz refuses any override that names another method than the judged one.
 */
let rt: TestRuntime;
let server: ServerProcess;
let port: number;
let secret: string;

beforeAll(async () => {
  rt = await createTestRuntime();
  const issued = await rt.keys.create({
    actor: anAdmin(),
    description: 'Reads users',
    grants: ['GET /v1/users', 'GET /v1/users/:id'],
  });
  secret = issued.secret;
  server = await startServer({ DATABASE_URL: rt.database.url, KEY_PEPPER: TEST_PEPPER });
  port = server.port;
  await waitUntil(async () => (await askAuthz(port, { 'x-api-key': secret }, '/authz/v1/users')).status === 200);
});
afterAll(async () => {
  await server?.stop();
  await rt?.dispose();
});

type Convention = 'nginx' | 'traefik' | 'envoy';
const CONVENTIONS: Convention[] = ['nginx', 'traefik', 'envoy'];
const OVERRIDE_HEADERS = ['X-HTTP-Method-Override', 'X-Method-Override', 'X-HTTP-Method'];

/** Asks about `method uri` the way the given gateway would, with extra client headers passed through. */
function ask(convention: Convention, method: string, uri: string, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = { authorization: basic(secret), ...extra };
  if (convention === 'nginx') return askAuthz(port, { ...headers, 'x-original-method': method, 'x-original-uri': uri });
  if (convention === 'traefik')
    return askAuthz(port, { ...headers, 'x-forwarded-method': method, 'x-forwarded-uri': uri });
  return askAuthz(port, headers, `/authz${uri}`, method);
}

describe('/authz refuses method overrides that name another method', () => {
  for (const convention of CONVENTIONS) {
    for (const name of OVERRIDE_HEADERS) {
      it(`${convention}: GET with ${name}: DELETE (any case) is 403 method_override; naming GET (or HEAD) is allowed`, async () => {
        for (const value of ['DELETE', 'delete', 'PUT', 'POST', ' Patch ', '', 'GET, DELETE', 'DELETE,GET']) {
          const answer = await ask(convention, 'GET', '/v1/users/1', { [name]: value });
          expect(answer.status, `${name}: ${JSON.stringify(value)}`).toBe(403);
          expect(answer.body).toMatchObject({ error: 'forbidden', reason: 'method_override' });
          expect(answer.headers.get('cache-control')).toBe('no-store');
        }
        for (const value of ['GET', 'get', 'HEAD', ' GET ', 'GET, get']) {
          expect((await ask(convention, 'GET', '/v1/users/1', { [name]: value })).status, `${name}: ${value}`).toBe(
            200,
          );
        }
        // HEAD is judged as GET, so a HEAD naming GET is the same method.
        expect((await ask(convention, 'HEAD', '/v1/users/1', { [name]: 'GET' })).status).toBe(200);
      });
    }

    it(`${convention}: a _method query parameter naming another method is 403, however it is spelled`, async () => {
      for (const query of [
        '_method=DELETE',
        '_method=delete',
        'page=2&_method=DELETE',
        '_METHOD=DELETE',
        '_Method=PUT',
        '%5Fmethod=DELETE',
        '%5fmethod=DELETE',
        '_meth%6Fd=DELETE',
        '%255Fmethod=DELETE',
        '_method=DEL%45TE',
        '_method=GET&_method=DELETE',
        '_method=DELETE&_method=GET',
        'page=1;_method=DELETE',
        '_method[]=DELETE',
        '+_method=DELETE',
        '_method=',
        '_method',
        '_HttpMethod=PATCH',
        'x-http-method-override=DELETE',
      ]) {
        const answer = await ask(convention, 'GET', `/v1/users?${query}`);
        expect(answer.status, query).toBe(403);
        expect(answer.body, query).toMatchObject({ reason: 'method_override' });
      }
      for (const query of [
        '_method=GET',
        '_method=get',
        '_method=HEAD',
        'page=2',
        'method=card',
        'sort=method',
        'q=_method',
      ]) {
        expect((await ask(convention, 'GET', `/v1/users?${query}`)).status, query).toBe(200);
      }
    });
  }

  it('repeated override headers on the wire are each judged: one naming another method is enough', async () => {
    for (const name of [...OVERRIDE_HEADERS, 'X_HTTP_Method_Override', 'x-http-method_override']) {
      const request = (first: string, second: string) =>
        Buffer.from(
          `GET /authz/v1/users HTTP/1.1\r\nHost: authz\r\nConnection: close\r\nX-Api-Key: ${secret}\r\n${name}: ${first}\r\n${name}: ${second}\r\n\r\n`,
          'latin1',
        );
      expect(await rawStatus(port, request('GET', 'DELETE')), name).toBe(403);
      expect(await rawStatus(port, request('DELETE', 'GET')), name).toBe(403);
      expect(await rawStatus(port, request('GET', 'get')), name).toBe(200);
    }
  });

  it('checks the key first: a bad key with an override is a 401', async () => {
    const answer = await askAuthz(
      port,
      { authorization: basic(rt.secretFormat.generate()), 'x-http-method-override': 'DELETE' },
      '/authz/v1/users',
    );
    expect(answer.status).toBe(401);
  });

  it('a POST naming DELETE is refused too, not only GET', async () => {
    const issued = await rt.keys.create({
      actor: anAdmin(),
      description: 'Creates candidates',
      grants: ['POST /v1/candidates'],
    });
    await waitUntil(
      async () => (await askAuthz(port, { 'x-api-key': issued.secret }, '/authz/v1/candidates', 'POST')).status === 200,
    );
    const answer = await askAuthz(
      port,
      { 'x-api-key': issued.secret, 'x-http-method-override': 'DELETE' },
      '/authz/v1/candidates',
      'POST',
    );
    expect(answer.status).toBe(403);
    expect(
      (await askAuthz(port, { 'x-api-key': issued.secret }, '/authz/v1/candidates?_method=PATCH', 'POST')).status,
    ).toBe(403);
  });

  it('counts the refusals under their own reason in /metrics', async () => {
    await ask('envoy', 'GET', '/v1/users', { 'x-http-method-override': 'DELETE' });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/harvest_keys_authz_decisions_total\{outcome="deny_403",reason="method_override"\} [1-9]/);
  });
});
