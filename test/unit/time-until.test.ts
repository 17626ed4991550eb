import { describe, expect, it } from 'vitest';
import { timeUntil } from '../../src/keys/expiry.ts';

const NOW = new Date('2026-12-02T09:00:00.000Z');
const fromNow = (ms: number) => new Date(NOW.getTime() + ms);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('timeUntil', () => {
  it('says the lifetime just given: --expires 90d read a moment later is "in 90 days", not 89', () => {
    expect(timeUntil(fromNow(90 * DAY - 2_000), NOW)).toBe('in 90 days');
    expect(timeUntil(fromNow(5 * DAY - MINUTE), NOW)).toBe('in 5 days');
    expect(timeUntil(fromNow(12 * HOUR - 1_000), NOW)).toBe('in 12 hours');
    expect(timeUntil(fromNow(30 * MINUTE - 1_000), NOW)).toBe('in 30 minutes');
  });

  it('rounds to the nearest unit and switches units at two days, an hour and a minute', () => {
    expect(timeUntil(fromNow(4 * DAY + 13 * HOUR), NOW)).toBe('in 5 days');
    expect(timeUntil(fromNow(4 * DAY + 11 * HOUR), NOW)).toBe('in 4 days');
    expect(timeUntil(fromNow(2 * DAY), NOW)).toBe('in 2 days');
    expect(timeUntil(fromNow(2 * DAY - MINUTE), NOW)).toBe('in 48 hours');
    expect(timeUntil(fromNow(HOUR), NOW)).toBe('in 1 hour');
    expect(timeUntil(fromNow(MINUTE), NOW)).toBe('in 1 minute');
    expect(timeUntil(fromNow(59_000), NOW)).toBe('in less than a minute');
  });
});
