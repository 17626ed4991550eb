import { describe, expect, it } from 'vitest';
import { createAccessTokens, looksLikeAccessToken } from '../../src/authz/access-token.ts';
import { createFailureLimiter } from '../../src/authz/failure-limiter.ts';
import { catalogScopes, scopeTag } from '../../src/catalog/scopes.ts';
import { harvestCatalog } from '../../src/catalog/load-catalog.ts';

const PEPPER = 'unit-pepper-0123456789abcdefghijklmnopqrstuvwxyz';

describe('catalog scopes', () => {
  const catalog = harvestCatalog();
  const scopes = catalogScopes(catalog);

  it('gives every endpoint of the shipped catalog its own scope, named <api>:<resource>:<action>', () => {
    expect(scopes.byName.size).toBe(catalog.endpoints.length);
    expect(scopes.byEndpoint.get('GET /v1/candidates')).toBe('harvest:candidates:list');
    expect(scopes.byEndpoint.get('GET /v1/candidates/:id')).toBe('harvest:candidates:retrieve');
    expect(scopes.byEndpoint.get('DELETE /v1/jobs/:job_id/openings')).toBe('harvest:job_openings:destroy_openings_v1');
    expect(scopes.byEndpoint.get('DELETE /v2/jobs/:job_id/openings')).toBe('harvest:job_openings:destroy_openings_v2');
    for (const name of scopes.byName.keys()) expect(name).toMatch(/^harvest:[a-z0-9_]+:[a-z0-9_]+$/);
  });

  it('has no two scopes sharing the 32-bit tag tokens carry', () => {
    expect(scopes.byTag.size).toBe(scopes.byName.size);
    expect(scopes.byTag.get(scopeTag('harvest:candidates:list'))).toBe('harvest:candidates:list');
  });
});

describe('access tokens', () => {
  const tokens = createAccessTokens(PEPPER);
  const claims = {
    keyId: 'key_AbCdEf123456',
    clientId: 'hkc_AbCdEfGhIjKlMnOpQrStUvWx',
    scopes: new Set([1, 2, 0xffffffff]),
    iat: 1_800_000_000,
    exp: 1_800_003_600,
  };

  it('round-trip through another instance with the same pepper', () => {
    const { token, jti } = tokens.issue(claims);
    expect(looksLikeAccessToken(token)).toBe(true);
    expect(createAccessTokens(PEPPER).verify(token)).toEqual({ ...claims, jti });
  });

  it('are refused when altered anywhere, re-encoded, or signed under another pepper', () => {
    const { token } = tokens.issue(claims);
    const body = token.slice(5);
    for (let i = 0; i < body.length; i += 7) {
      const altered = `hkat_${body.slice(0, i)}${body[i] === 'A' ? 'B' : 'A'}${body.slice(i + 1)}`;
      expect(createAccessTokens(PEPPER).verify(altered)).toBeUndefined();
    }
    expect(createAccessTokens(`${PEPPER}x`).verify(token)).toBeUndefined();
    expect(tokens.verify(`${token}=`)).toBeUndefined();
    expect(tokens.verify('hk_notatoken')).toBeUndefined();
  });

  it('fit a 4096-character header with every scope of the catalog', () => {
    const all = new Set(catalogScopes(harvestCatalog()).byTag.keys());
    const { token } = tokens.issue({ ...claims, scopes: all });
    expect(`Bearer ${token}`.length).toBeLessThan(4096);
  });
});

describe('failed authentication limits', () => {
  it('refuse a subject past the limit until its window ends, and say for how long', () => {
    const limiter = createFailureLimiter({ limit: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      expect(limiter.blockedFor('hkc_x', 1_000 + i)).toBe(0);
      limiter.recordFailure('hkc_x', 1_000 + i);
    }
    expect(limiter.blockedFor('hkc_x', 2_000)).toBe(59);
    expect(limiter.blockedFor('hkc_y', 2_000)).toBe(0);
    expect(limiter.blockedFor('hkc_x', 61_000)).toBe(0);
  });
});
