import { describe, expect, it } from 'vitest';
import { afterFailure, DEFAULT_RETRY_POLICY, retryDelayMs } from '../../src/webhooks/backoff.ts';

const HOUR = 60 * 60_000;
const created = new Date('2026-12-01T00:00:00Z');

/** Every attempt time of a message that never succeeds, following the schedule on a clock that jumps to each one. */
function schedule(random: () => number): { attempts: Date[]; deadAt: Date } {
  const attempts: Date[] = [created];
  let now = created;
  for (;;) {
    const next = afterFailure({ attempts: attempts.length, createdAt: created }, now, DEFAULT_RETRY_POLICY, random);
    if (next.kind === 'dead') return { attempts, deadAt: now };
    now = next.at;
    attempts.push(now);
  }
}

describe('webhook retry schedule', () => {
  it('doubles from 5 s and stops growing at an hour', () => {
    // random() stays below 1: 1 stands for the top of its range.
    const top = () => 1;
    expect([1, 2, 3, 4, 5].map((n) => Math.round(retryDelayMs(n, DEFAULT_RETRY_POLICY, top) / 1000))).toEqual([
      5, 10, 20, 40, 80,
    ]);
    expect(retryDelayMs(11, DEFAULT_RETRY_POLICY, top)).toBe(HOUR);
    expect(retryDelayMs(500, DEFAULT_RETRY_POLICY, top)).toBe(HOUR);
  });

  it('jitters each wait between half and all of it', () => {
    for (const attempt of [1, 4, 9, 20]) {
      const full = retryDelayMs(attempt, DEFAULT_RETRY_POLICY, () => 1);
      expect(retryDelayMs(attempt, DEFAULT_RETRY_POLICY, () => 0)).toBe(Math.round(full / 2));
      const middle = retryDelayMs(attempt, DEFAULT_RETRY_POLICY, () => 0.5);
      expect(middle).toBeGreaterThan(full / 2);
      expect(middle).toBeLessThan(full);
    }
  });

  it('retries for 24 hours, the last attempt at the end of the window, then gives up', () => {
    for (const random of [() => 0, () => 0.5, () => 1]) {
      const { attempts, deadAt } = schedule(random);
      const last = attempts.at(-1) as Date;
      expect(last.getTime() - created.getTime()).toBe(24 * HOUR);
      expect(deadAt).toEqual(last);
      const gaps = attempts.slice(1).map((at, i) => at.getTime() - (attempts[i] as Date).getTime());
      expect(Math.max(...gaps)).toBeLessThanOrEqual(HOUR);
      // Waits never shrink, except the last one, cut short by the end of the window.
      for (let i = 1; i < gaps.length - 1; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1] as number);
    }
    // Full waits: 5 s … 40 min (10 doublings), then hourly until the 24th hour.
    expect(schedule(() => 1).attempts.length).toBeGreaterThan(25);
    expect(schedule(() => 1).attempts.length).toBeLessThan(40);
  });

  it('gives up at once when a failure comes after the window (an outage longer than 24 hours)', () => {
    const late = new Date(created.getTime() + 25 * HOUR);
    expect(afterFailure({ attempts: 3, createdAt: created }, late, DEFAULT_RETRY_POLICY, Math.random)).toEqual({
      kind: 'dead',
    });
  });
});
