import { describe, expect, it } from 'vitest';
import { DAY_MS, timeUntil } from '../../src/keys/expiry.ts';

const now = new Date('2026-12-02T09:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);

describe('timeUntil', () => {
  it('reads an expiry set a moment ago as the lifetime chosen: 90 days, not 89', () => {
    // Extend saves "90 days" counted from its submit; the answer is drawn a few milliseconds later.
    expect(timeUntil(later(90 * DAY_MS - 25), now)).toBe('in 90 days');
    expect(timeUntil(later(3_600_000 - 40), now)).toBe('in 1 hour');
    expect(timeUntil(later(5 * 60_000 - 3), now)).toBe('in 5 minutes');
  });

  it('still never promises more time than is left beyond that moment', () => {
    expect(timeUntil(later(90 * DAY_MS - 5 * 60_000), now)).toBe('in 89 days');
    expect(timeUntil(later(2 * DAY_MS + 23 * 3_600_000), now)).toBe('in 2 days');
    expect(timeUntil(later(59 * 60_000), now)).toBe('in 59 minutes');
    expect(timeUntil(later(30_000), now)).toBe('in less than a minute');
  });
});
