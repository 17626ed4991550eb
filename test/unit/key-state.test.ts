import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { harvestCatalog } from '../../src/catalog/load-catalog.ts';
import { evaluate } from '../../src/keys/evaluate.ts';
import {
  effectiveExpiry,
  isRevokedAt,
  isUsable,
  type KeyStateFields,
  keyState,
  stoppedAt,
} from '../../src/keys/key-state.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const REVOKED_AT = new Date('2026-02-01T09:30:00Z');

const aKey = (overrides: Partial<KeyStateFields> = {}): KeyStateFields => ({
  status: 'active',
  revokeAt: null,
  revokedAt: null,
  revokeReason: null,
  expiresAt: null,
  ...overrides,
});

describe('keyState', () => {
  it('is active for an active key with no revocation scheduled', () => {
    expect(keyState(aKey(), NOW)).toEqual({ kind: 'active' });
  });

  it('is stopping, until then, for a key replaced with a grace period', () => {
    const at = new Date(NOW.getTime() + 60_000);
    expect(keyState(aKey({ revokeAt: at }), NOW)).toEqual({ kind: 'stopping', at });
  });

  it('is revoked, with when and why, for a revoked key', () => {
    const key = aKey({ status: 'revoked', revokedAt: REVOKED_AT, revokeReason: 'leaked' });
    expect(keyState(key, NOW)).toEqual({ kind: 'revoked', at: REVOKED_AT, reason: 'leaked', graceEnded: false });
  });

  it('is revoked by a person even when a grace period was still running', () => {
    const key = aKey({ status: 'revoked', revokedAt: REVOKED_AT, revokeAt: new Date(NOW.getTime() + 60_000) });
    expect(keyState(key, NOW)).toMatchObject({ kind: 'revoked', at: REVOKED_AT, graceEnded: false });
  });

  it('ends the grace period at exactly revokeAt: stopping a millisecond before, revoked at it and after', () => {
    const key = aKey({ revokeAt: NOW, revokeReason: 'replaced by key_2' });
    const revoked = { kind: 'revoked', at: NOW, reason: 'replaced by key_2', graceEnded: true };
    expect(keyState(key, NOW.getTime() - 1)).toEqual({ kind: 'stopping', at: NOW });
    expect(keyState(key, NOW)).toEqual(revoked);
    expect(keyState(key, NOW.getTime() + 1)).toEqual(revoked);
  });

  it('reads a time as a Date or as epoch milliseconds alike', () => {
    const key = aKey({ revokeAt: NOW });
    for (const at of [NOW.getTime() - 1, NOW.getTime(), NOW.getTime() + 1]) {
      expect(keyState(key, at)).toEqual(keyState(key, new Date(at)));
    }
  });

  it('expires at exactly expiresAt: active a millisecond before, expired at it and after', () => {
    const key = aKey({ expiresAt: NOW });
    expect(keyState(key, NOW.getTime() - 1)).toEqual({ kind: 'active' });
    expect(keyState(key, NOW)).toEqual({ kind: 'expired', at: NOW });
    expect(keyState(key, NOW.getTime() + 1000)).toEqual({ kind: 'expired', at: NOW });
    expect(isUsable(keyState(key, NOW))).toBe(false);
  });

  it('is revoked, not expired, for a key past its expiry that is also revoked (revocation wins)', () => {
    const key = aKey({ status: 'revoked', revokedAt: REVOKED_AT, expiresAt: new Date(NOW.getTime() - 60_000) });
    expect(keyState(key, NOW)).toMatchObject({ kind: 'revoked', at: REVOKED_AT });
    const graceOver = aKey({ revokeAt: new Date(NOW.getTime() - 1), expiresAt: new Date(NOW.getTime() - 2) });
    expect(keyState(graceOver, NOW)).toMatchObject({ kind: 'revoked', graceEnded: true });
  });

  it('is stopping while a grace period runs and the expiry has not come', () => {
    const at = new Date(NOW.getTime() + 60_000);
    expect(keyState(aKey({ revokeAt: at, expiresAt: new Date(NOW.getTime() + 120_000) }), NOW)).toEqual({
      kind: 'stopping',
      at,
    });
    expect(keyState(aKey({ revokeAt: at, expiresAt: NOW }), NOW)).toEqual({ kind: 'expired', at: NOW });
  });

  it('gives legacy keys the earlier of their own expiry and LEGACY_KEYS_EXPIRE_AT', () => {
    const policy = new Date('2027-01-01T00:00:00Z');
    const sooner = new Date('2026-06-01T00:00:00Z');
    const later = new Date('2028-01-01T00:00:00Z');
    expect(effectiveExpiry(null, true, policy)).toBe(policy);
    expect(effectiveExpiry(later, true, policy)).toBe(policy);
    expect(effectiveExpiry(sooner, true, policy)).toBe(sooner);
    expect(effectiveExpiry(null, false, policy)).toBeNull();
    expect(effectiveExpiry(later, false, policy)).toBe(later);
    expect(effectiveExpiry(later, true, null)).toBe(later);
  });

  it('counts active and stopping keys as usable, revoked ones not', () => {
    expect(isUsable(keyState(aKey(), NOW))).toBe(true);
    expect(isUsable(keyState(aKey({ revokeAt: new Date(NOW.getTime() + 1) }), NOW))).toBe(true);
    expect(isUsable(keyState(aKey({ revokeAt: NOW }), NOW))).toBe(false);
    expect(isUsable(keyState(aKey({ status: 'revoked' }), NOW))).toBe(false);
  });
});

describe('the allocation-free predicate /authz uses', () => {
  const time = fc.integer({ min: NOW.getTime() - 5, max: NOW.getTime() + 5 });
  const key = fc.record({
    status: fc.constantFrom('active' as const, 'revoked' as const),
    revokeAt: fc.option(time.map((ms) => new Date(ms))),
    revokedAt: fc.option(fc.constant(REVOKED_AT)),
    revokeReason: fc.option(fc.constantFrom('leaked', 'replaced by key_2')),
    expiresAt: fc.option(time.map((ms) => new Date(ms))),
  });
  const catalog = harvestCatalog();
  const endpoint = catalog.endpoints.find((e) => e.method === 'GET' && !e.path.includes(':'));

  it('agrees with keyState for every key at every time, around the boundary too', () => {
    fc.assert(
      fc.property(key, time, (k, nowMs) => {
        const state = keyState(k, new Date(nowMs));
        expect(isRevokedAt(k, nowMs)).toBe(!isUsable(keyState(k, nowMs)));
        expect(stoppedAt(k, nowMs)).toBe(state.kind === 'revoked' || state.kind === 'expired' ? state.kind : null);
        // The index holds the expiry as epoch milliseconds: the same answer.
        expect(stoppedAt({ ...k, expiresAt: k.expiresAt?.getTime() ?? null }, nowMs)).toBe(stoppedAt(k, nowMs));
      }),
      { numRuns: 500 },
    );
  });

  it('is what evaluate refuses a key for', () => {
    expect(endpoint).toBeDefined();
    const { method, path } = endpoint!;
    fc.assert(
      fc.property(key, time, (k, nowMs) => {
        const decision = evaluate(catalog, { ...k, legacy: false, permissions: [endpoint!.id] }, method, path, nowMs);
        expect(decision.allowed ? 'allowed' : decision.reason).toBe(
          isUsable(keyState(k, nowMs)) ? 'allowed' : keyState(k, nowMs).kind,
        );
      }),
      { numRuns: 500 },
    );
  });
});
