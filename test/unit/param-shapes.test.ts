import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../src/catalog/catalog.ts';
import { harvestCatalog, parseCatalogText } from '../../src/catalog/load-catalog.ts';
import { compileShape, patternProblem } from '../../src/catalog/param-shapes.ts';
import { AMBIGUOUS_TARGET } from '../../src/catalog/types.ts';
import { isAppError } from '../../src/shared/errors.ts';

const catalog = harvestCatalog();
const routeId = (method: string, path: string) => {
  const routed = catalog.route(method, path);
  return typeof routed === 'string' || routed === undefined ? routed : routed.id;
};

function refusal(text: string, source: string): string {
  try {
    parseCatalogText(text, source);
  } catch (error) {
    expect(isAppError(error, 'CATALOG_INVALID')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected the catalog to be refused');
}

describe('Harvest ids (:id, :*_id): positive integers in canonical decimal up to 2^63 − 1', () => {
  it.each(['1', '42', '1000000', '9223372036854775807', '%31', '%34%32'])('allows %s', (id) => {
    expect(routeId('GET', `/v1/candidates/${id}`)).toBe('GET /v1/candidates/:id');
    expect(routeId('GET', `/v1/jobs/${id}/openings`)).toBe('GET /v1/jobs/:job_id/openings');
  });

  it.each([
    ['0', 'zero is no id'],
    ['007', 'leading zeros (octal to some, "007" to others)'],
    ['00', 'zeros'],
    ['+1', 'sign'],
    ['-1', 'negative'],
    ['1e3', 'exponent'],
    ['1.0', 'fraction'],
    ['0x10', 'hex'],
    ['1abc', 'Rails to_i reads 1'],
    ['1.json', 'Rails format suffix'],
    ['9223372036854775808', '2^63 overflows a signed 64-bit id'],
    ['18446744073709551616', '2^64'],
    ['99999999999999999999', 'twenty digits'],
    ['%2B1', 'encoded sign'],
    ['%EF%BC%91', 'fullwidth one'],
    ['abc', 'a word'],
    ['.;', 'the reported servlet case'],
    ['..;', 'servlet dot-dot'],
    ['1;x=y', 'servlet path parameter'],
  ])('refuses %s as ambiguous (%s)', (id) => {
    expect(routeId('GET', `/v1/candidates/${id}`)).toBe(AMBIGUOUS_TARGET);
    expect(routeId('DELETE', `/v1/candidates/${id}`)).toBe(AMBIGUOUS_TARGET);
    expect(routeId('GET', `/v1/jobs/${id}/openings`)).toBe(AMBIGUOUS_TARGET);
  });

  it('checks every parameter of a path, not only the first', () => {
    expect(routeId('PATCH', '/v1/jobs/1/openings/2')).toBe('PATCH /v1/jobs/:job_id/openings/:id');
    expect(routeId('PATCH', '/v1/jobs/1/openings/2x')).toBe(AMBIGUOUS_TARGET);
    expect(routeId('PATCH', '/v1/jobs/1x/openings/2')).toBe(AMBIGUOUS_TARGET);
  });
});

describe('the other Harvest parameters', () => {
  it.each([
    'job',
    'candidate',
    'application',
    'offer',
    'opening',
    'rejection_question',
    'referral_question',
    'user_attribute',
  ])(':field_type allows the custom field type %s', (type) =>
    expect(routeId('GET', `/v1/custom_fields/${type}`)).toBe('GET /v1/custom_fields/:field_type'),
  );

  it.each(['JOB', 'Job', 'jobs', 'job.', 'user', '1', 'job%20', '%6Aob%3B'])(':field_type refuses %s', (type) => {
    expect(routeId('GET', `/v1/custom_fields/${type}`)).toBe(AMBIGUOUS_TARGET);
  });

  it('PATCH /v1/custom_fields/:id takes an id, not a field type', () => {
    expect(routeId('PATCH', '/v1/custom_fields/12')).toBe('PATCH /v1/custom_fields/:id');
    expect(routeId('PATCH', '/v1/custom_fields/job')).toBe(AMBIGUOUS_TARGET);
  });

  it(':token is [A-Za-z0-9_-], at most 128 characters', () => {
    expect(routeId('GET', '/v1/tracking_links/aB3_-x')).toBe('GET /v1/tracking_links/:token');
    expect(routeId('GET', `/v1/tracking_links/${'a'.repeat(128)}`)).toBe('GET /v1/tracking_links/:token');
    for (const bad of [`${'a'.repeat(129)}`, 'a.b', 'a~b', 'a+b', 'a%2Bb', "a'b", 'a*', 'a!']) {
      expect(routeId('GET', `/v1/tracking_links/${bad}`), bad).toBe(AMBIGUOUS_TARGET);
    }
  });

  it('every Harvest parameter has a declared or name-derived shape', () => {
    const shapes = new Map<string, string>();
    for (const e of catalog.endpoints)
      for (const [name, shape] of Object.entries(e.params ?? {})) shapes.set(name, shape.type);
    expect(Object.fromEntries(shapes)).toEqual({
      id: 'integer',
      job_id: 'integer',
      candidate_id: 'integer',
      tag_id: 'integer',
      application_id: 'integer',
      approver_group_id: 'integer',
      user_id: 'integer',
      education_id: 'integer',
      employment_id: 'integer',
      field_type: 'enum',
      token: 'string',
    });
  });
});

describe('an endpoint built by hand, without shapes', () => {
  it('gets the default its parameter names give', () => {
    const base = {
      resource: 'H',
      label: 'H',
      firstDocumented: undefined,
      existedAtLegacyCutoff: false,
      deprecated: false,
    };
    const hand = createCatalog('H', [
      { ...base, id: 'GET /h/:id', method: 'GET', path: '/h/:id' },
      { ...base, id: 'GET /h/:id/:name', method: 'GET', path: '/h/:id/:name' },
    ]);
    expect(hand.route('GET', '/h/12')).toMatchObject({ id: 'GET /h/:id' });
    expect(hand.route('GET', '/h/012')).toBe(AMBIGUOUS_TARGET);
    expect(hand.route('GET', '/h/12/a-b_C')).toMatchObject({ id: 'GET /h/:id/:name' });
    expect(hand.route('GET', '/h/12/a.b')).toBe(AMBIGUOUS_TARGET);
  });
});

describe('shapes declared in the JSON catalog format', () => {
  const widgets = parseCatalogText(
    JSON.stringify({
      api: 'Widgets',
      params: {
        slug: { type: 'string', pattern: '[a-z][a-z0-9-]*', max_length: 12 },
        kind: { type: 'enum', values: ['big', 'small'] },
      },
      endpoints: [
        { resource: 'W', method: 'GET', path: '/w/:slug' },
        { resource: 'W', method: 'GET', path: '/w/:slug/:kind' },
        { resource: 'W', method: 'GET', path: '/n/:n', params: { n: { type: 'integer', minimum: 0 } } },
        { resource: 'W', method: 'GET', path: '/r/:ratio', params: { ratio: { type: 'number' } } },
        { resource: 'W', method: 'GET', path: '/t/:name' },
        { resource: 'W', method: 'GET', path: '/u/:userId' },
      ],
    }),
    'widgets.json',
  );
  const id = (path: string) => {
    const routed = widgets.route('GET', path);
    return typeof routed === 'object' ? routed.id : routed;
  };

  it('applies catalog-wide, per-endpoint and name-derived shapes', () => {
    expect(id('/w/abc-1')).toBe('GET /w/:slug');
    expect(id('/w/Abc')).toBe(AMBIGUOUS_TARGET);
    expect(id('/w/abcdefghijklm')).toBe(AMBIGUOUS_TARGET);
    expect(id('/w/abc/big')).toBe('GET /w/:slug/:kind');
    expect(id('/w/abc/huge')).toBe(AMBIGUOUS_TARGET);
    expect(id('/n/0')).toBe('GET /n/:n');
    expect(id('/n/01')).toBe(AMBIGUOUS_TARGET);
    expect(id('/r/1.5')).toBe('GET /r/:ratio');
    expect(id('/r/1e5')).toBe(AMBIGUOUS_TARGET);
    expect(id('/t/any_Token-1')).toBe('GET /t/:name');
    expect(id('/t/a.b')).toBe(AMBIGUOUS_TARGET);
    expect(id('/u/12')).toBe('GET /u/:userId');
    expect(id('/u/x')).toBe(AMBIGUOUS_TARGET);
  });

  it('an operator pattern cannot escape its anchors or admit what the path rules refuse', () => {
    const loose = parseCatalogText(
      JSON.stringify({
        api: 'L',
        params: { any: { type: 'string', pattern: '.*' } },
        endpoints: [{ resource: 'L', method: 'GET', path: '/l/:any' }],
      }),
      'l.json',
    );
    expect(loose.route('GET', '/l/a b')).toBe(AMBIGUOUS_TARGET);
    expect(loose.route('GET', '/l/a;b')).toBe(AMBIGUOUS_TARGET);
    expect(loose.route('GET', '/l/%C3%A9')).toBe(AMBIGUOUS_TARGET);
    expect(loose.route('GET', '/l/a.')).toBe(AMBIGUOUS_TARGET);
    expect(loose.route('GET', `/l/${'a'.repeat(257)}`)).toBe(AMBIGUOUS_TARGET);
    expect(loose.route('GET', '/l/a(b)')).toMatchObject({ id: 'GET /l/:any' });
    expect(
      refusal(
        JSON.stringify({
          api: 'E',
          params: { x: { type: 'string', pattern: 'a)|(b' } },
          endpoints: [{ resource: 'E', method: 'GET', path: '/e/:x' }],
        }),
        'e.json',
      ),
    ).toMatch(/parameter :x: pattern is not a valid regular expression/);
  });

  it('refuses unknown shape types, bad enum values and repeated ones, naming the entry', () => {
    expect(
      refusal(
        JSON.stringify({
          api: 'X',
          params: { id: { type: 'uuid' } },
          endpoints: [{ resource: 'X', method: 'GET', path: '/x' }],
        }),
        'x.json',
      ),
    ).toMatch(/params/);
    const message = refusal(
      JSON.stringify({
        api: 'X',
        endpoints: [
          { resource: 'X', method: 'GET', path: '/a/:k', params: { k: { type: 'enum', values: ['a;b'] } } },
          { resource: 'X', method: 'GET', path: '/b/:k', params: { k: { type: 'enum', values: ['x', 'x'] } } },
          { resource: 'X', method: 'GET', path: '/c/:k', params: { k: { type: 'enum', values: ['end.'] } } },
        ],
      }),
      'x.json',
    );
    expect(message).toMatch(/entry 1 \(GET \/a\/:k\): parameter :k: enum value "a;b"/);
    expect(message).toMatch(/entry 2 .*repeated values/);
    expect(message).toMatch(/entry 3 .*enum value "end\."/);
  });
});

describe('operator patterns are held to a subset that cannot backtrack without bound', () => {
  it.each([
    ['(a+)+$', /repeats a group/],
    ['(a|aa)*', /repeats a group/],
    ['(?:ab){2,}', /repeats a group/],
    ['(?:a+){3}', /repeats a group/],
    ['(a)\\1', /backreference/],
    ['(?<x>a)\\k<x>', /backreference/],
    ['(?=a)a', /lookaround/],
    ['(?<!b)a', /lookaround/],
    ['a*a*a*b', /more than two unbounded quantifiers/],
    ['\\d+\\d+\\d{1,9}', /more than two unbounded quantifiers/],
    ['a|b|c|d|e', /more than four alternatives/],
    ['[', /not a valid regular expression/],
    ['x'.repeat(201), /longer than 200/],
  ])('refuses %s', (pattern, reason) => {
    expect(patternProblem(pattern)).toMatch(reason);
  });

  it.each([
    '[a-z0-9-]+',
    '[A-Z]{2}-\\d{4}',
    'v\\d+(?:\\.\\d+)?',
    '(draft|live|archived)',
    '[+*]?x',
    '\\(\\)+',
    '[(]a[)]*',
  ])('accepts %s', (pattern) => {
    expect(patternProblem(pattern)).toBeUndefined();
  });

  it('compiles a pattern anchored, once', () => {
    const test = compileShape({ type: 'string', pattern: 'ab', maxLength: 10 });
    expect(test('ab')).toBe(true);
    expect(test('xaby')).toBe(false);
    expect(test('ab\n')).toBe(false);
  });
});

describe('shapes imported from OpenAPI', () => {
  const document = {
    openapi: '3.0.3',
    info: { title: 'Shapes' },
    components: {
      parameters: { PetId: { name: 'petId', in: 'path', required: true, schema: { $ref: '#/components/schemas/Id' } } },
      schemas: { Id: { type: 'integer', format: 'int64', minimum: 1 } },
    },
    paths: {
      '/pets/{petId}': { parameters: [{ $ref: '#/components/parameters/PetId' }], get: { summary: 'Get Pet' } },
      '/pets/{petId}/toys/{kind}': {
        get: {
          summary: 'Toys',
          parameters: [
            { $ref: '#/components/parameters/PetId' },
            { name: 'kind', in: 'path', required: true, schema: { type: 'string', enum: ['ball', 'rope'] } },
          ],
        },
      },
      '/codes/{code}': {
        get: { parameters: [{ name: 'code', in: 'path', schema: { type: 'string', pattern: '^[A-Z]{3}$' } }] },
      },
      '/levels/{level}': {
        get: { parameters: [{ name: 'level', in: 'path', schema: { type: 'integer', minimum: 0 } }] },
      },
      '/weights/{w}': { get: { parameters: [{ name: 'w', in: 'path', schema: { type: 'number' } }] } },
      '/names/{name}': {
        get: { parameters: [{ name: 'name', in: 'path', schema: { type: 'string', maxLength: 4 } }] },
      },
      '/sizes/{size}': {
        get: { parameters: [{ name: 'size', in: 'path', schema: { type: 'integer', enum: [1, 2] } }] },
      },
      '/plain/{thing}': { get: { summary: 'No schema' } },
    },
  };
  const shapes = parseCatalogText(JSON.stringify(document), 'shapes.json');
  const id = (path: string) => {
    const routed = shapes.route('GET', path);
    return typeof routed === 'object' ? routed.id : routed;
  };

  it('takes schema.type, enum, pattern, maxLength and local $refs', () => {
    expect(shapes.byId.get('GET /pets/:petId')?.params).toEqual({ petId: { type: 'integer', minimum: 1 } });
    expect(id('/pets/7')).toBe('GET /pets/:petId');
    expect(id('/pets/07')).toBe(AMBIGUOUS_TARGET);
    expect(id('/pets/7/toys/rope')).toBe('GET /pets/:petId/toys/:kind');
    expect(id('/pets/7/toys/stick')).toBe(AMBIGUOUS_TARGET);
    expect(id('/codes/ABC')).toBe('GET /codes/:code');
    expect(id('/codes/ABCD')).toBe(AMBIGUOUS_TARGET);
    expect(id('/codes/abc')).toBe(AMBIGUOUS_TARGET);
    expect(id('/levels/0')).toBe('GET /levels/:level');
    expect(id('/levels/-1')).toBe(AMBIGUOUS_TARGET);
    expect(id('/weights/2.5')).toBe('GET /weights/:w');
    expect(id('/weights/2.5e1')).toBe(AMBIGUOUS_TARGET);
    expect(id('/names/abcd')).toBe('GET /names/:name');
    expect(id('/names/abcde')).toBe(AMBIGUOUS_TARGET);
    expect(id('/sizes/2')).toBe('GET /sizes/:size');
    expect(id('/sizes/3')).toBe(AMBIGUOUS_TARGET);
    expect(id('/plain/x-1')).toBe('GET /plain/:thing');
    expect(id('/plain/x.1')).toBe(AMBIGUOUS_TARGET);
  });

  it('refuses a ReDoS-prone pattern from the document, naming the operation', () => {
    const evil = {
      openapi: '3.1.0',
      paths: {
        '/e/{x}': { get: { parameters: [{ name: 'x', in: 'path', schema: { type: 'string', pattern: '^(a+)+$' } }] } },
      },
    };
    expect(refusal(JSON.stringify(evil), 'evil.json')).toMatch(/GET \/e\/:x.*parameter :x: pattern repeats a group/);
  });
});
