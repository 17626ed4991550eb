import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { harvestCatalog, parseCatalogText } from '../../src/catalog/load-catalog.ts';
import { compileShape, type ParamShape } from '../../src/catalog/param-shapes.ts';
import { normalizeRequestPath } from '../../src/catalog/path-matcher.ts';
import { AMBIGUOUS_TARGET } from '../../src/catalog/types.ts';
import { type EvaluableKey, evaluate } from '../../src/keys/evaluate.ts';
import { createSecretFormat } from '../../src/keys/secret-format.ts';
import { isAppError } from '../../src/shared/errors.ts';

const format = createSecretFormat('hk');
const catalog = harvestCatalog();
const runs = { numRuns: 2000 };

describe('key parser under arbitrary input', () => {
  it('never throws, and accepts our own shape only with a valid checksum', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (input) => {
        const result = format.check(input);
        if (result.ok && result.kind === 'current') expect(input).toMatch(/^hk_[0-9A-Za-z]{38}$/);
      }),
      runs,
    );
  });

  it('rejects every mutation of a real key (substitution, deletion, insertion, swap)', () => {
    const secret = format.generate();
    const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    fc.assert(
      fc.property(
        fc.nat({ max: secret.length - 4 }),
        fc.constantFrom(...chars),
        fc.constantFrom('sub', 'del', 'ins', 'swap'),
        (offset, char, op) => {
          const i = offset + 3;
          let mutated = secret;
          if (op === 'sub') mutated = secret.slice(0, i) + char + secret.slice(i + 1);
          if (op === 'del') mutated = secret.slice(0, i) + secret.slice(i + 1);
          if (op === 'ins') mutated = secret.slice(0, i) + char + secret.slice(i);
          if (op === 'swap' && i + 1 < secret.length)
            mutated = secret.slice(0, i) + secret[i + 1] + secret[i] + secret.slice(i + 2);
          fc.pre(mutated !== secret);
          expect(format.check(mutated).ok).toBe(false);
        },
      ),
      runs,
    );
  });
});

describe('request path matching under arbitrary input', () => {
  const grantedNothing: EvaluableKey = {
    status: 'active',
    legacy: false,
    revokeAt: null,
    expiresAt: null,
    permissions: new Set(),
  };

  it('never throws and never lets a path with dot segments or encoded slashes match', () => {
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '%2e%2e', '%2F', '%2f', '', '%00', 'v1', 'users', 'candidates', '1'),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(
        fc.array(segment, { maxLength: 8 }),
        fc.constantFrom('GET', 'POST', 'HEAD', 'PATCH', 'DELETE', 'BREW'),
        (segments, method) => {
          const path = `/${segments.join('/')}`;
          const normalized = normalizeRequestPath(path);
          const endpoint = catalog.match(method, path);
          if (endpoint !== undefined) {
            expect(normalized).toBeDefined();
            expect(normalized).not.toContain('..');
            expect(normalized).not.toContain('.');
            expect(normalized!.every((s) => s !== '' && !s.includes('/'))).toBe(true);
          }
          // A key without grants is never allowed anything, whatever the path.
          expect(evaluate(catalog, grantedNothing, method, path).allowed).toBe(false);
        },
      ),
      runs,
    );
  });

  /** Any value in the parameter's declared shape (ids up to 2^63 − 1, enum members, URL-safe tokens). */
  const inShape = (shape: ParamShape): fc.Arbitrary<string> =>
    shape.type === 'integer'
      ? fc.bigInt(1n, 2n ** 63n - 1n).map(String)
      : shape.type === 'enum'
        ? fc.constantFrom(...shape.values)
        : fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);

  it('matches a concrete path to the same endpoint for any parameter values in their shapes', () => {
    const concrete = fc.constantFrom(...catalog.endpoints).chain((endpoint) =>
      fc.tuple(
        fc.constant(endpoint),
        fc.tuple(
          ...endpoint.path
            .split('/')
            .filter((s) => s.startsWith(':'))
            .map((p) => inShape(endpoint.params?.[p.slice(1)] as ParamShape)),
        ),
      ),
    );
    fc.assert(
      fc.property(concrete, ([endpoint, values]) => {
        let n = 0;
        const path = endpoint.path.replace(/:[A-Za-z_]+/g, () => values[n++] as string);
        const matched = catalog.match(endpoint.method, path);
        // A parameter value may coincide with a static sibling route (e.g. ":id" = "me"); then the static one wins.
        if (matched?.id !== endpoint.id) {
          expect(matched?.path.split('/').length).toBe(endpoint.path.split('/').length);
          expect(matched?.path.includes(':') ? matched.path.split(':').length : 1).toBeLessThan(
            endpoint.path.split(':').length,
          );
        }
      }),
      runs,
    );
  });

  it('refuses as ambiguous a parameter value outside its shape, whatever the value', () => {
    const withParams = catalog.endpoints.filter((e) => e.path.includes(':'));
    fc.assert(
      fc.property(
        fc.constantFrom(...withParams),
        fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 24 }),
        (endpoint, value) => {
          const first = endpoint.path.split('/').find((s) => s.startsWith(':')) as string;
          const shape = endpoint.params?.[first.slice(1)] as ParamShape;
          fc.pre(!compileShape(shape)(value));
          const path = endpoint.path.replace(first, encodeURIComponent(value)).replace(/:[A-Za-z_]+/g, '1');
          const routed = catalog.route(endpoint.method, path);
          expect(routed === AMBIGUOUS_TARGET || routed === undefined || routed.id !== endpoint.id).toBe(true);
        },
      ),
      runs,
    );
  });
});

describe('catalog loading under arbitrary documents', () => {
  it('either loads or refuses with CATALOG_INVALID, never anything else', () => {
    const entry = fc.record({
      resource: fc.string({ maxLength: 10 }),
      method: fc.constantFrom('GET', 'POST', 'get', 'FETCH', ''),
      path: fc.oneof(fc.constantFrom('/v1/a', '/v1/a/:id', '/v1/a/:id', 'v1', '/v1/{x}'), fc.string({ maxLength: 12 })),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), fc.string({ maxLength: 10 }), (endpoints, api) => {
        try {
          const loaded = parseCatalogText(JSON.stringify({ api, endpoints }), 'fuzz.json');
          expect(loaded.endpoints.length).toBe(endpoints.length);
        } catch (error) {
          expect(isAppError(error, 'CATALOG_INVALID')).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
