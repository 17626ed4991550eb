import { describe, expect, it } from 'vitest';
import { isInUse, type KeyUsage } from '../../src/keys/key-usage.ts';

const now = new Date('2026-03-01T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 3600 * 1000);
const usage = (overrides: Partial<KeyUsage>): KeyUsage => ({
  lastUsedAt: null,
  allowedLast7Days: 0,
  deniedLast7Days: 0,
  ...overrides,
});

describe('a key in use (the warning before changing or revoking it)', () => {
  it('is one called within the last 30 days', () => {
    expect(isInUse(usage({ lastUsedAt: daysAgo(29.9) }), now)).toBe(true);
    expect(isInUse(usage({ lastUsedAt: daysAgo(30) }), now)).toBe(false);
  });

  it('is one with any request in the last 7 days, allowed or denied', () => {
    expect(isInUse(usage({ allowedLast7Days: 1 }), now)).toBe(true);
    expect(isInUse(usage({ deniedLast7Days: 1 }), now)).toBe(true);
  });

  it('is not one never used, or whose counts are not recorded', () => {
    expect(isInUse(usage({}), now)).toBe(false);
    expect(isInUse(usage({ allowedLast7Days: null, deniedLast7Days: null }), now)).toBe(false);
  });
});
