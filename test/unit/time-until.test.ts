import { describe, expect, it } from 'vitest';
import { DAY_MS, timeUntil } from '../../src/keys/expiry.ts';

const now = new Date('2026-12-02T09:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('timeUntil', () => {
  it('reads an expiry set a moment ago as the lifetime chosen: 90 days, not 89', () => {
    // Extend saves "90 days" counted from its submit, `create --expires 90d` from its call; the answer is drawn a
    // few milliseconds (seconds, on a loaded machine) later.
    expect(timeUntil(later(90 * DAY_MS - 25), now)).toBe('in 90 days');
    expect(timeUntil(later(90 * DAY_MS - 2_000), now)).toBe('in 90 days');
    expect(timeUntil(later(5 * DAY_MS - 1_000), now)).toBe('in 5 days');
    expect(timeUntil(later(12 * HOUR - 1_000), now)).toBe('in 12 hours');
    expect(timeUntil(later(HOUR - 40), now)).toBe('in 1 hour');
    expect(timeUntil(later(30 * MINUTE - 1_000), now)).toBe('in 30 minutes');
  });

  it('still never promises more time than is left beyond that moment', () => {
    expect(timeUntil(later(90 * DAY_MS - 5 * MINUTE), now)).toBe('in 89 days');
    expect(timeUntil(later(2 * DAY_MS + 23 * HOUR), now)).toBe('in 2 days');
    expect(timeUntil(later(59 * MINUTE), now)).toBe('in 59 minutes');
    expect(timeUntil(later(30_000), now)).toBe('in less than a minute');
  });

  it('switches units at two days, an hour and a minute', () => {
    expect(timeUntil(later(2 * DAY_MS), now)).toBe('in 2 days');
    expect(timeUntil(later(2 * DAY_MS - MINUTE), now)).toBe('in 47 hours');
    expect(timeUntil(later(HOUR), now)).toBe('in 1 hour');
    expect(timeUntil(later(MINUTE), now)).toBe('in 1 minute');
    expect(timeUntil(later(54_000), now)).toBe('in less than a minute');
  });
});
