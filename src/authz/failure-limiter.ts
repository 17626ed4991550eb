/**
 * Failed client authentications counted per subject (a client id, a client address) in fixed windows: past `limit`
 * failures in a window the subject is refused until the window ends. In memory, per instance: N instances let a
 * subject try up to N × limit times per window, still far too few to guess a 190-bit secret.
 */
export interface FailureLimiter {
  /** Seconds until the subject may try again, or 0 when it may now. */
  blockedFor(subject: string, nowMs: number): number;
  recordFailure(subject: string, nowMs: number): void;
}

/** Subjects remembered at once; past it the oldest windows are forgotten first. */
const MAX_SUBJECTS = 100_000;

export function createFailureLimiter(options: { limit: number; windowMs: number }): FailureLimiter {
  const windows = new Map<string, { start: number; failures: number }>();
  return {
    blockedFor(subject, nowMs) {
      const window = windows.get(subject);
      if (window === undefined || nowMs - window.start >= options.windowMs) return 0;
      if (window.failures < options.limit) return 0;
      return Math.max(1, Math.ceil((window.start + options.windowMs - nowMs) / 1000));
    },
    recordFailure(subject, nowMs) {
      const window = windows.get(subject);
      if (window !== undefined && nowMs - window.start < options.windowMs) {
        window.failures++;
        return;
      }
      windows.delete(subject);
      if (windows.size >= MAX_SUBJECTS) {
        // Insertion order is window order: the first entries are the oldest windows.
        for (const [key, old] of windows) {
          if (windows.size < MAX_SUBJECTS && nowMs - old.start < options.windowMs) break;
          windows.delete(key);
        }
      }
      windows.set(subject, { start: nowMs, failures: 1 });
    },
  };
}
