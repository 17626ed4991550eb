import type { Logger } from '../logger.ts';
import type { Clock } from '../shared/clock.ts';
import { afterFailure, DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.ts';
import type { ClaimedMessage, WebhookOutbox, WebhookSender } from './types.ts';

export type AttemptOutcome = 'delivered' | 'failed' | 'dead';

export interface WebhookDeliverer {
  /** Starts polling the outbox in the background. */
  start(): void;
  /** Stops polling and waits for the attempts in flight; what is left stays in the outbox for the next start. */
  stop(): Promise<void>;
  /** One round: claims what is due, sends it, records each outcome. Returns how many messages it attempted. */
  runOnce(): Promise<number>;
}

export interface WebhookDelivererOptions {
  outbox: WebhookOutbox;
  sender: WebhookSender;
  logger: Logger;
  /** Decides what is due and when to retry (tests move it instead of waiting). */
  clock?: Clock;
  random?: () => number;
  policy?: RetryPolicy;
  /** Pause between rounds when nothing was due. */
  pollMs?: number;
  batchSize?: number;
  /** How long a claimed message is this instance's: longer than the sender's timeout, so no other sends it meanwhile. */
  leaseMs?: number;
  /** Delivered messages are kept this long (for inspection), then deleted. */
  keepDeliveredMs?: number;
  onAttempt?: (outcome: AttemptOutcome) => void;
}

const PRUNE_EVERY_MS = 10 * 60_000;
const MAX_ROUND_BACKOFF_MS = 30_000;

/**
 * Sends the outbox at least once per message: a message leaves the outbox's pending set only when a receiver
 * answered 2xx or its retry window ended. A crash mid-send leaves its lease to run out, and the message is sent again.
 */
export function createWebhookDeliverer(options: WebhookDelivererOptions): WebhookDeliverer {
  const { outbox, sender, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? Math.random;
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const pollMs = options.pollMs ?? 1_000;
  const batchSize = options.batchSize ?? 20;
  const leaseMs = options.leaseMs ?? 60_000;
  const keepDeliveredMs = options.keepDeliveredMs ?? 7 * 24 * 60 * 60_000;
  const onAttempt = options.onAttempt ?? (() => {});
  let lastPruned = 0;

  async function attempt(message: ClaimedMessage): Promise<void> {
    const result = await sender.send(message);
    const at = clock();
    if (result.ok) {
      await outbox.delivered(message, at);
      onAttempt('delivered');
      return;
    }
    const next = afterFailure(message, at, policy, random);
    const facts = { webhookId: message.messageId, attempt: message.attempts, reason: result.reason };
    if (next.kind === 'retry') {
      await outbox.retryAt(message, next.at, result.reason);
      onAttempt('failed');
      logger.warn({ ...facts, retryAt: next.at.toISOString() }, 'webhook delivery failed; will retry');
    } else {
      await outbox.dead(message, at, result.reason);
      onAttempt('dead');
      logger.error(facts, 'webhook delivery given up after its retry window; marked dead');
    }
  }

  async function runOnce(): Promise<number> {
    const now = clock();
    const claimed = await outbox.claim({ now, leaseUntil: new Date(now.getTime() + leaseMs), limit: batchSize });
    // Each claimed message is the first pending one of its subject, so sending them together keeps every order.
    // Every attempt is waited for, even when one fails to record its outcome: stop() then leaves none in flight.
    const outcomes = await Promise.allSettled(claimed.map(attempt));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    if (now.getTime() - lastPruned >= PRUNE_EVERY_MS) {
      lastPruned = now.getTime();
      await outbox.prune(new Date(now.getTime() - keepDeliveredMs));
    }
    return claimed.length;
  }

  let running: Promise<void> | undefined;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      let wait = pollMs;
      try {
        // A full batch means more may be due: go again at once.
        if ((await runOnce()) === batchSize) wait = 0;
        failures = 0;
      } catch (error) {
        // The database is down, say: back off (to 30 s) rather than log a line every poll.
        failures++;
        wait = Math.min(pollMs * 2 ** Math.min(failures, 10), MAX_ROUND_BACKOFF_MS);
        logger.warn({ err: error, retryInMs: wait }, 'webhook outbox round failed; will retry');
      }
      if (stopping || wait === 0) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, wait);
      });
    }
  }

  return {
    start() {
      if (running !== undefined) return;
      stopping = false;
      running = loop();
    },
    async stop() {
      stopping = true;
      clearTimeout(timer);
      wake?.();
      await running;
      running = undefined;
    },
    runOnce,
  };
}
