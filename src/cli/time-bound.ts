import { UsageError } from './usage-error.ts';

const AGO = /^(\d{1,6})([smhdw])$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A moment for `audit --since/--until`: an ISO date (its start, UTC), an ISO date-time (UTC when it names no zone), or
 * a duration back from `now` (`30m`, `12h`, `7d`, `2w`: "7 days ago"). Anything else, or a date that does not exist
 * (2026-02-30), is a usage mistake that says what is accepted.
 */
export function parseTimeBound(text: string, now: Date, flag: string, usage: string): Date {
  const value = text.trim();
  const ago = AGO.exec(value);
  if (ago !== null) {
    return new Date(now.getTime() - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS]);
  }
  const iso = ISO.exec(value);
  if (iso !== null) {
    const [, year, month, day, hour, minute, second, zone] = iso;
    const at = new Date(value.length === 10 ? `${value}T00:00:00Z` : zone === undefined ? `${value}Z` : value);
    const fields = [Number(month), Number(day), Number(hour ?? 0), Number(minute ?? 0), Number(second ?? 0)];
    const [mo = 0, d = 0, h = 0, mi = 0, s = 0] = fields;
    // Date rolls 2026-02-30 over into March; a day that does not exist is a mistake, not another day.
    const real =
      !Number.isNaN(at.getTime()) &&
      mo >= 1 &&
      mo <= 12 &&
      d >= 1 &&
      d <= new Date(Date.UTC(Number(year), mo, 0)).getUTCDate() &&
      h <= 23 &&
      mi <= 59 &&
      s <= 59;
    if (real) return at;
    throw new UsageError(`${flag}: ${shown(value)} is not a real date or time\nusage: ${usage}`);
  }
  throw new UsageError(
    `${flag}: ${shown(value)} is not a time: give an ISO date (2026-11-01), an ISO date-time (2026-11-01T09:30:00Z) or how long ago (30m, 12h, 7d, 2w)\nusage: ${usage}`,
  );
}

/** Only a date-like value or a short word is repeated: a key pasted in the wrong place is not. */
function shown(value: string): string {
  return /^[0-9TZ:+.\-smhdw ]{1,32}$/.test(value) || /^[a-z]{1,15}$/i.test(value) ? `"${value}"` : '(the value given)';
}
