import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../src/catalog/catalog.ts';
import { harvestCatalog, parseCatalogText } from '../../src/catalog/load-catalog.ts';
import { normalizeRequestPath } from '../../src/catalog/path-matcher.ts';
import { AMBIGUOUS_TARGET } from '../../src/catalog/types.ts';
import { isAppError } from '../../src/shared/errors.ts';

const catalog = harvestCatalog();

/** A request for the template with a value in each parameter's shape. */
function concrete(template: string): string {
  return template.replace(/:[A-Za-z_]+/g, (name, i) =>
    name === ':field_type' ? 'candidate' : name === ':token' ? 'tr4ck-T0ken_1' : `${1000 + Number(i)}`,
  );
}

function expectCatalogError(text: string, source: string, fragment: RegExp) {
  try {
    parseCatalogText(text, source);
  } catch (error) {
    expect(isAppError(error, 'CATALOG_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(fragment);
    return;
  }
  throw new Error('expected the catalog to be refused');
}

describe('the built-in Harvest catalog', () => {
  it('holds all 143 endpoints in 28 resource groups, 52 of them available to legacy keys', () => {
    expect(catalog.name).toBe('Harvest');
    expect(catalog.endpoints).toHaveLength(143);
    expect(catalog.groups).toHaveLength(28);
    expect(catalog.legacyEndpointIds.size).toBe(52);
    expect(catalog.byId.get('GET /v1/candidates')?.label).toBe('GET: List Candidates');
  });

  it.each(catalog.endpoints.map((e) => [e.id, e] as const))('matches a concrete request for %s', (_id, endpoint) => {
    expect(catalog.match(endpoint.method, concrete(endpoint.path))?.id).toBe(endpoint.id);
  });

  it('judges HEAD as GET and ignores the query string', () => {
    expect(catalog.match('HEAD', '/v1/candidates/42?per_page=5')?.id).toBe('GET /v1/candidates/:id');
    expect(catalog.match('get', '/v1/candidates/')?.id).toBe('GET /v1/candidates');
  });

  it('matches nothing outside the catalog', () => {
    expect(catalog.match('GET', '/v1/nope')).toBeUndefined();
    expect(catalog.match('OPTIONS', '/v1/candidates')).toBeUndefined();
    expect(catalog.match('GET', '/')).toBeUndefined();
  });
});

describe('request path matching', () => {
  const small = createCatalog(
    'T',
    parseCatalogText(
      JSON.stringify({
        api: 'T',
        endpoints: [
          { resource: 'Users', method: 'GET', path: '/v1/users/:id' },
          { resource: 'Users', method: 'GET', path: '/v1/users/me' },
          { resource: 'Users', method: 'GET', path: '/v1/users/:id/keys' },
        ],
        params: { id: { type: 'string' } },
      }),
      't.json',
    ).endpoints,
  );

  it('prefers a static segment over a parameter', () => {
    expect(small.match('GET', '/v1/users/me')?.id).toBe('GET /v1/users/me');
    expect(small.match('GET', '/v1/users/42')?.id).toBe('GET /v1/users/:id');
  });

  it('falls back to the parameter when the static branch has no match deeper down', () => {
    expect(small.match('GET', '/v1/users/me/keys')?.id).toBe('GET /v1/users/:id/keys');
  });

  it('refuses a case variant of a static sibling as the parameter (a case-insensitive upstream takes the static)', () => {
    expect(small.route('GET', '/v1/users/ME')).toBe(AMBIGUOUS_TARGET);
    expect(small.route('GET', '/v1/users/Me/keys')).toBe(AMBIGUOUS_TARGET);
    expect(small.route('GET', '/v1/users/mine')).toMatchObject({ id: 'GET /v1/users/:id' });
  });

  it.each([
    ['/v1/../v1/users/1', 'dot-dot segment'],
    ['/v1/users/%2e%2e', 'encoded dot-dot'],
    ['/v1//users/1', 'empty segment'],
    ['/v1/users/a%2Fb', 'encoded slash'],
    ['/v1/users/%zz', 'bad percent-encoding'],
    ['/v1/users/a%00', 'control character'],
    [`/v1/users/${'a'.repeat(3000)}`, 'very long path'],
    ['v1/users', 'relative path'],
    ['/v1/candidates/.;', 'servlet path parameter making a dot segment'],
    ['/v1/candidates/..;/x', 'servlet path parameter making a dot-dot segment'],
    ['/v1/candidates;jsessionid=1/1', 'servlet path parameter in a static segment'],
    ['/v1/candidates/1%3B', 'encoded semicolon'],
    ['/v1/candidates/1%3b', 'encoded semicolon, lower case'],
    ['/v1/candidates/%252e%252e', 'encoded percent (double decoding)'],
    ['/v1/candidates/%25', 'encoded percent alone'],
    ['/v1/candidates/1#/../2', 'fragment'],
    ['/v1/candidates#', 'empty fragment'],
    ['/v1/candidates/1%23', 'encoded hash'],
    ['/v1/candidates/1%3F', 'encoded question mark'],
    ['/v1/candidates\\1', 'backslash'],
    ['/v1/candidates/1%5C..', 'encoded backslash'],
    ['/v1/candidates/1.', 'trailing dot'],
    ['/v1/candidates./1', 'trailing dot in a static segment'],
    ['/v1/candidates/1%2e', 'encoded trailing dot'],
    ['/v1/candidates/...', 'three dots'],
    ['/v1/candidates/1%20', 'encoded trailing space'],
    ['/v1/candidates/ 1', 'raw space'],
    ['/v1/candidates/1%09', 'encoded tab'],
    ['/v1/candidates/1\u007f', 'DEL'],
    ['/v1/candidates/%EF%BC%8E%EF%BC%8E', 'fullwidth dots, encoded'],
    ['/v1/candidates/\uff0e\uff0e', 'fullwidth dots, raw'],
    ['/v1\uff0fcandidates', 'fullwidth solidus'],
    ['/v1/candidates/%EF%BC%91', 'fullwidth digit'],
    ['/v1/caf%C3%A9', 'any non-ASCII'],
    ['/v1/candidates/%C0%AE%C0%AE', 'overlong UTF-8 dots'],
    ['/v1/candidates/%ED%A0%80', 'UTF-8 surrogate'],
    ['/v1/candidates/%FF', 'invalid UTF-8'],
    ['http://user@api.example.com/v1/candidates', 'absolute form with user info'],
    ['http://api.example.com\\@evil/v1/candidates', 'absolute form with a backslash in the authority'],
    ['*', 'asterisk form'],
    ['/v1/candidates//', 'two trailing slashes'],
  ])('refuses an ambiguous path: %s (%s)', (target) => {
    expect(normalizeRequestPath(target)).toBeUndefined();
    expect(catalog.route('GET', target)).toBe(AMBIGUOUS_TARGET);
  });

  it('decodes percent-encoding inside segments', () => {
    expect(normalizeRequestPath('/v1/%75sers/j%2Dd')).toEqual(['v1', 'users', 'j-d']);
    expect(normalizeRequestPath('http://api.example.com/v1/users?x=1')).toEqual(['v1', 'users']);
    expect(normalizeRequestPath('/v1/users?q=a;b#')).toBeUndefined();
    expect(normalizeRequestPath('/v1/users?q=a;b%25/../')).toEqual(['v1', 'users']);
    expect(normalizeRequestPath('/')).toEqual([]);
  });
});

describe('loading another catalog', () => {
  it('names a duplicate endpoint, a bad template and an unknown method, all at once', () => {
    const text = JSON.stringify({
      api: 'Broken',
      endpoints: [
        { resource: 'A', method: 'GET', path: '/v1/a/:id' },
        { resource: 'A', method: 'GET', path: '/v1/a/:other' },
        { resource: 'A', method: 'GET', path: 'v1/no-slash' },
        { resource: 'A', method: 'FETCH', path: '/v1/a' },
      ],
    });
    try {
      parseCatalogText(text, 'broken.json');
      throw new Error('expected a refusal');
    } catch (error) {
      expect(isAppError(error, 'CATALOG_INVALID')).toBe(true);
      const message = (error as Error).message;
      expect(message).toMatch(/entry 2 \(GET \/v1\/a\/:other\): duplicate endpoint/);
      expect(message).toMatch(/entry 3 .*bad path template/);
      expect(message).toMatch(/entry 4 .*unknown method "FETCH"/);
    }
  });

  it('refuses a document that is not JSON, or has no endpoints', () => {
    expectCatalogError('{nope', 'x.json', /not valid JSON/);
    expectCatalogError(JSON.stringify({ api: 'X', endpoints: [] }), 'x.json', /endpoints/);
    expectCatalogError(JSON.stringify({ api: 'X', endpoints: [{ method: 'GET' }] }), 'x.json', /entry 1: resource/);
  });

  it('reads an OpenAPI 3 document in YAML: paths × methods, first tag as group, summary as label', () => {
    const yaml = `
openapi: 3.0.3
info: { title: Widgets }
paths:
  /v2/widgets:
    get: { tags: [Widgets], summary: List Widgets }
    post: { tags: [Widgets, Admin], summary: Create Widget }
  /v2/widgets/{widgetId}:
    parameters: []
    get: { summary: Retrieve Widget }
    head: { summary: ignored }
`;
    const widgets = parseCatalogText(yaml, 'widgets.yaml');
    expect(widgets.name).toBe('Widgets');
    expect(widgets.endpoints.map((e) => [e.id, e.resource, e.label])).toEqual([
      ['GET /v2/widgets', 'Widgets', 'GET: List Widgets'],
      ['POST /v2/widgets', 'Widgets', 'POST: Create Widget'],
      ['GET /v2/widgets/:widgetId', 'widgets', 'GET: Retrieve Widget'],
    ]);
    expect(widgets.match('GET', '/v2/widgets/7')?.id).toBe('GET /v2/widgets/:widgetId');
  });

  it('reads an OpenAPI 3 document in JSON and refuses Swagger 2 and unknown methods', () => {
    const doc = { openapi: '3.1.0', info: { title: 'J' }, paths: { '/a': { get: { summary: 'A' } } } };
    expect(parseCatalogText(JSON.stringify(doc), 'j.json').endpoints).toHaveLength(1);
    expectCatalogError(JSON.stringify({ openapi: '2.0', paths: {} }), 's.json', /not supported/);
    expectCatalogError(
      JSON.stringify({ openapi: '3.0.0', paths: { '/a': { fetch: {} } } }),
      'o.json',
      /unknown method "fetch"/,
    );
  });
});
