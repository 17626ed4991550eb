import { AppError } from '../shared/errors.ts';

/**
 * Key expiry (README "Keys" → "Expiry"): what `--expires` and the dialogs' Expires field accept, the maximum lifetime
 * (KEY_MAX_LIFETIME_DAYS) and the words every surface shows for "when does it stop".
 */
export interface LifetimePolicy {
  /** KEY_MAX_LIFETIME_DAYS; null: no maximum (a key may never expire). */
  maxLifetimeDays: number | null;
}

export const DAY_MS = 86_400_000;
const DURATION = /^(\d{1,6})(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: DAY_MS } as const;

/**
 * What a person asked for: `never`, a duration from `now` (`30m`, `12h`, `90d`), or an ISO date-time (a bare date
 * means its start, UTC). An end in the past, or unreadable, is refused as EXPIRY_INVALID.
 */
export function parseExpiry(text: string, now: Date): Date {
  const value = text.trim();
  const duration = DURATION.exec(value);
  let at: Date;
  if (duration !== null) {
    const amount = Number(duration[1]);
    if (amount === 0) throw invalid(text, 'a duration of at least 1 (e.g. 30m, 12h, 90d)');
    at = new Date(now.getTime() + amount * UNIT_MS[duration[2] as keyof typeof UNIT_MS]);
  } else if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    at = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
    if (Number.isNaN(at.getTime())) throw invalid(text, 'a real date');
  } else {
    throw invalid(text, 'a duration (30m, 12h, 90d) or an ISO date-time (2027-03-01T12:00:00Z)');
  }
  if (at.getTime() <= now.getTime()) throw invalid(text, 'a time in the future');
  return at;
}

function invalid(text: string, wanted: string): AppError {
  return new AppError('EXPIRY_INVALID', `"${text}" is not a valid expiry: give ${wanted}`, {
    field: 'expires',
    facts: { value: text, wanted },
  });
}

/** The latest expiry the policy allows for a key whose life starts `now`; null: no maximum. */
export function latestExpiry(policy: LifetimePolicy, now: Date): Date | null {
  return policy.maxLifetimeDays === null ? null : new Date(now.getTime() + policy.maxLifetimeDays * DAY_MS);
}

/**
 * The expiry a key gets when it is created, replaced or re-enabled: `requested` (undefined: not asked, which means
 * the maximum, or never without one; null: never, which a maximum refuses). Further out than the maximum is refused.
 */
export function checkLifetime(policy: LifetimePolicy, requested: Date | null | undefined, now: Date): Date | null {
  const latest = latestExpiry(policy, now);
  if (requested === undefined) return latest;
  if (latest === null) return requested;
  if (requested === null || requested.getTime() > latest.getTime() + 1000) {
    throw new AppError(
      'LIFETIME_TOO_LONG',
      `Keys may live at most ${policy.maxLifetimeDays} days (KEY_MAX_LIFETIME_DAYS): ${requested === null ? 'a key without an expiry' : `an expiry of ${requested.toISOString()}`} is beyond ${latest.toISOString()}`,
      {
        field: 'expires',
        facts: {
          maxDays: policy.maxLifetimeDays ?? undefined,
          latest: latest.toISOString(),
          requested: requested?.toISOString() ?? 'never',
        },
      },
    );
  }
  return requested;
}

/**
 * An end set a moment ago (a lifetime counted from a save or a CLI call, read back when the answer is drawn, a few
 * seconds later on a loaded machine) is still that far away: without this, "90 days" chosen reads "in 89 days".
 */
const JUST_SET_MS = 5_000;

/**
 * "in 5 days", "in 3 hours", "in 12 minutes", "in less than a minute": how far `at` is from `now`, rounded down, so a
 * reminder never promises more time than is left.
 */
export function timeUntil(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime() + JUST_SET_MS;
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (ms >= 2 * DAY_MS) return `in ${unit(Math.floor(ms / DAY_MS), 'day')}`;
  if (ms >= 3_600_000) return `in ${unit(Math.floor(ms / 3_600_000), 'hour')}`;
  if (ms >= 60_000) return `in ${unit(Math.floor(ms / 60_000), 'minute')}`;
  return 'in less than a minute';
}

/** `7d`, `12h`: the window of `list --expiring`. */
export function parseWindow(text: string): number {
  const match = DURATION.exec(text.trim());
  if (match === null || Number(match[1]) === 0) throw invalid(text, 'a window such as 7d, 12h or 30m');
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
