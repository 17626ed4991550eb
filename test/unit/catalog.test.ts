import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../src/catalog/catalog.ts';
import { harvestCatalog, parseCatalogText } from '../../src/catalog/load-catalog.ts';
import { normalizeRequestPath } from '../../src/catalog/path-matcher.ts';
import { isAppError } from '../../src/shared/errors.ts';

const catalog = harvestCatalog();

function concrete(template: string): string {
  return template.replace(/:[A-Za-z_]+/g, (_, i) => `${1000 + Number(i)}`);
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

  it.each([
    ['/v1/../v1/users/1', 'dot-dot segment'],
    ['/v1/users/%2e%2e', 'encoded dot-dot'],
    ['/v1//users/1', 'empty segment'],
    ['/v1/users/a%2Fb', 'encoded slash'],
    ['/v1/users/%zz', 'bad percent-encoding'],
    ['/v1/users/a%00', 'control character'],
    [`/v1/users/${'a'.repeat(3000)}`, 'very long path'],
    ['v1/users', 'relative path'],
  ])('refuses an ambiguous path: %s (%s)', (target) => {
    expect(normalizeRequestPath(target)).toBeUndefined();
  });

  it('decodes percent-encoding inside segments', () => {
    expect(normalizeRequestPath('/v1/%75sers/j%20d')).toEqual(['v1', 'users', 'j d']);
    expect(normalizeRequestPath('http://api.example.com/v1/users?x=1')).toEqual(['v1', 'users']);
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
    expectCatalogError(JSON.stringify({ openapi: '3.0.0', paths: { '/a': { fetch: {} } } }), 'o.json', /unknown method "fetch"/);
  });
});
