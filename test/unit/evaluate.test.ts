import { describe, expect, it } from 'vitest';
import { harvestCatalog } from '../../src/catalog/load-catalog.ts';
import { type EvaluableKey, evaluate } from '../../src/keys/evaluate.ts';
import { resolveGrants } from '../../src/catalog/resolve-grants.ts';
import { permissionDiff } from '../../src/keys/grants.ts';
import { isAppError } from '../../src/shared/errors.ts';

const catalog = harvestCatalog();
const aKey = (overrides: Partial<EvaluableKey> = {}): EvaluableKey => ({
  status: 'active',
  legacy: false,
  revokeAt: null,
  expiresAt: null,
  permissions: new Set<string>(),
  ...overrides,
});

const legacyEndpoint = catalog.endpoints.find(
  (e) => e.existedAtLegacyCutoff && e.path === '/v1/candidates/:id' && e.method === 'GET',
);
const laterEndpoint = catalog.endpoints.find((e) => !e.existedAtLegacyCutoff);

describe('permission evaluation', () => {
  it('allows exactly the granted endpoints for a new key', () => {
    const key = aKey({ permissions: new Set(['GET /v1/candidates/:id']) });
    expect(evaluate(catalog, key, 'GET', '/v1/candidates/1')).toMatchObject({ allowed: true, via: 'grant' });
    expect(evaluate(catalog, key, 'GET', '/v1/candidates')).toMatchObject({ allowed: false, reason: 'not_granted' });
  });

  it('lets a legacy key call every endpoint that existed at the cutoff, and nothing added later unless granted', () => {
    expect(legacyEndpoint).toBeDefined();
    expect(laterEndpoint).toBeDefined();
    const later = laterEndpoint!;
    const path = later.path.replace(/:[a-z_]+/g, '9');
    const key = aKey({ legacy: true });
    expect(evaluate(catalog, key, 'GET', '/v1/candidates/5')).toMatchObject({ allowed: true, via: 'legacy' });
    expect(evaluate(catalog, key, later.method, path)).toMatchObject({ allowed: false, reason: 'not_granted' });
    const granted = aKey({ legacy: true, permissions: new Set([later.id]) });
    expect(evaluate(catalog, granted, later.method, path)).toMatchObject({ allowed: true, via: 'grant' });
  });

  it('allows every legacy endpoint to a legacy key, and none of them to a new key without grants', () => {
    for (const endpoint of catalog.endpoints) {
      const path = endpoint.path.replace(/:[a-z_]+/g, '3');
      expect(evaluate(catalog, aKey({ legacy: true }), endpoint.method, path).allowed).toBe(
        endpoint.existedAtLegacyCutoff,
      );
      expect(evaluate(catalog, aKey(), endpoint.method, path).allowed).toBe(false);
    }
  });

  it('never allows an endpoint outside the catalog, whatever the key holds', () => {
    const key = aKey({ legacy: true, permissions: new Set(['GET /v1/secret']) });
    expect(evaluate(catalog, key, 'GET', '/v1/secret')).toMatchObject({ allowed: false, reason: 'not_in_catalog' });
  });

  it('denies revoked keys, and keys whose replacement grace period has ended', () => {
    const grants = new Set(['GET /v1/users']);
    const now = new Date('2026-01-01T00:00:00Z');
    expect(evaluate(catalog, aKey({ status: 'revoked', permissions: grants }), 'GET', '/v1/users', now)).toMatchObject({
      allowed: false,
      reason: 'revoked',
    });
    expect(
      evaluate(
        catalog,
        aKey({ revokeAt: new Date('2025-12-31T23:59:59Z'), permissions: grants }),
        'GET',
        '/v1/users',
        now,
      ),
    ).toMatchObject({ allowed: false, reason: 'revoked' });
    expect(
      evaluate(
        catalog,
        aKey({ revokeAt: new Date('2026-01-01T00:00:01Z'), permissions: grants }),
        'GET',
        '/v1/users',
        now,
      ),
    ).toMatchObject({ allowed: true });
  });
});

describe('grant strings', () => {
  it('accept templates and labels, case-insensitively for labels', () => {
    expect(resolveGrants(catalog, ['GET /v1/users', 'get: list candidates', 'post /v1/candidates'])).toEqual([
      'GET /v1/candidates',
      'GET /v1/users',
      'POST /v1/candidates',
    ]);
  });

  it('name malformed grants and unknown endpoints', () => {
    const attempt = (grants: string[]) => {
      try {
        resolveGrants(catalog, grants);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const malformed = attempt(['users please']);
    expect(isAppError(malformed, 'GRANT_MALFORMED')).toBe(true);
    expect(malformed).toMatchObject({ field: 'permissions', facts: { grants: ['"users please"'] } });
    const unknown = attempt(['GET /v1/nope', 'GET /v1/users']);
    expect(isAppError(unknown, 'UNKNOWN_ENDPOINT')).toBe(true);
    expect(unknown).toMatchObject({ field: 'permissions', facts: { grants: ['"GET /v1/nope"'] } });
  });

  it('diff lists what was added and what was removed', () => {
    expect(permissionDiff(['A', 'B'], ['B', 'C'])).toEqual({ added: ['C'], removed: ['A'] });
  });
});
