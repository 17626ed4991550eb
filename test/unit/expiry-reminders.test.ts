import { describe, expect, it } from 'vitest';
import { reminderDue, reminderWindowMs } from '../../src/keys/expiry-reminders.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const endsIn = (ms: number) => new Date(NOW.getTime() + ms);

describe('reminderDue', () => {
  it('is nothing before the farthest threshold, and nothing once the key has ended', () => {
    expect(reminderDue(endsIn(7 * DAY + 1), NOW, [7, 1])).toBeUndefined();
    expect(reminderDue(endsIn(0), NOW, [7, 1])).toBeUndefined();
    expect(reminderDue(endsIn(-HOUR), NOW, [7, 1])).toBeUndefined();
    expect(reminderDue(endsIn(HOUR), NOW, [])).toBeUndefined();
  });

  it('is a threshold from the moment the end is that close (7 days to the millisecond)', () => {
    expect(reminderDue(endsIn(7 * DAY), NOW, [7, 1])).toEqual({ days: 7, settled: [] });
    expect(reminderDue(endsIn(5 * DAY), NOW, [7, 1])).toEqual({ days: 7, settled: [] });
    expect(reminderDue(endsIn(DAY), NOW, [7, 1])).toEqual({ days: 1, settled: [7] });
  });

  it('names only the nearest threshold crossed and settles the farther ones, whatever their order', () => {
    expect(reminderDue(endsIn(20 * HOUR), NOW, [1, 30, 7])).toEqual({ days: 1, settled: [7, 30] });
    expect(reminderDue(endsIn(3 * DAY), NOW, [30, 7, 1])).toEqual({ days: 7, settled: [30] });
  });

  it('looks as far ahead as the farthest threshold', () => {
    expect(reminderWindowMs([7, 1])).toBe(7 * DAY);
    expect(reminderWindowMs([])).toBe(0);
  });
});
