/** How much a key is used, as shown to people deciding whether a change will break the integration behind it. */
export interface KeyUsage {
  lastUsedAt: Date | null;
  /** null: not known (usage recording unavailable). */
  allowedLast7Days: number | null;
  deniedLast7Days: number | null;
}

const RECENT_MS = 30 * 24 * 3600 * 1000;

/** In use: called within the last 30 days, or any request (allowed or denied) in the last 7. */
export function isInUse(usage: KeyUsage, now: Date): boolean {
  const recent = usage.lastUsedAt !== null && now.getTime() - usage.lastUsedAt.getTime() < RECENT_MS;
  return recent || (usage.allowedLast7Days ?? 0) + (usage.deniedLast7Days ?? 0) > 0;
}

const WEEK_MS = 7 * 24 * 3600 * 1000;

/** Called successfully in the last 7 days: an integration relies on it now, so cutting it off at once breaks it. */
export function usedInLastWeek(usage: KeyUsage, now: Date): boolean {
  const recent = usage.lastUsedAt !== null && now.getTime() - usage.lastUsedAt.getTime() < WEEK_MS;
  return recent || (usage.allowedLast7Days ?? 0) > 0;
}
