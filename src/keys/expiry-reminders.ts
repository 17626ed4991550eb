import { DAY_MS } from './expiry.ts';

/**
 * Expiry reminders (README "Keys" → "Reminders"): a key is reminded of when its end comes within each of the days of
 * EXPIRY_REMINDER_DAYS. Which reminder is due is decided here; sending each once is the alert sweep's part.
 */
export interface ReminderDue {
  /** The threshold to remind of now: the nearest one the key has crossed. */
  days: number;
  /**
   * Farther thresholds crossed too (a key first seen, or seen after an outage, already closer than them). They are
   * settled without a message: a burst of stale "7 days left" notes beside "1 day left" would only confuse.
   */
  settled: number[];
}

/** The reminder `endsAt` calls for at `now` under `thresholdDays`; undefined before the farthest, or once it ended. */
export function reminderDue(endsAt: Date, now: Date, thresholdDays: readonly number[]): ReminderDue | undefined {
  const left = endsAt.getTime() - now.getTime();
  if (left <= 0) return undefined;
  const crossed = thresholdDays.filter((days) => left <= days * DAY_MS).sort((a, b) => a - b);
  const [nearest, ...farther] = crossed;
  return nearest === undefined ? undefined : { days: nearest, settled: farther };
}

/** How far ahead reminders look: the farthest threshold (0 with none: no key is due). */
export function reminderWindowMs(thresholdDays: readonly number[]): number {
  return Math.max(0, ...thresholdDays) * DAY_MS;
}
