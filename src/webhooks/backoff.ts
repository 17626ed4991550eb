/** How long a message is retried, and how far apart. */
export interface RetryPolicy {
  /** The wait after the first failed attempt; each later one doubles it. */
  firstDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
  /** Counted from the event: past this a failing message is marked dead. */
  giveUpAfterMs: number;
}

/** 5 s, 10 s, 20 s … capped at an hour: about 30 attempts over the 24 hours. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  firstDelayMs: 5_000,
  maxDelayMs: 60 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
};

/**
 * The wait after `failedAttempts` failures: exponential, capped, and jittered between half and all of it, so that
 * instances (and messages) that failed together do not all come back at the same moment, while waits still grow.
 */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy, random: () => number): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 40);
  const ceiling = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export type AfterFailure = { kind: 'retry'; at: Date } | { kind: 'dead' };

/**
 * What follows a failed attempt at `now`: another one later, the last of them exactly at the end of the window, or
 * nothing more (dead) once the window is over.
 */
export function afterFailure(
  message: { attempts: number; createdAt: Date },
  now: Date,
  policy: RetryPolicy,
  random: () => number,
): AfterFailure {
  const deadline = message.createdAt.getTime() + policy.giveUpAfterMs;
  if (now.getTime() >= deadline) return { kind: 'dead' };
  const at = Math.min(now.getTime() + retryDelayMs(message.attempts, policy, random), deadline);
  return { kind: 'retry', at: new Date(at) };
}
