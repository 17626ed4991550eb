import type { IncomingMessage } from 'node:http';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../logger.ts';

/** Slack's window for a signed request: older ones are refused by Bolt, newer than this ahead by us. */
const WINDOW_MS = 5 * 60_000;
const MAX_REMEMBERED = 200_000;

/** The signing headers, handed to middleware through Bolt's context (HTTP mode; Socket Mode has none). */
export function signingHeaders(req: IncomingMessage): { slackSignature?: string; slackTimestamp?: string } {
  const signature = req.headers['x-slack-signature'];
  const timestamp = req.headers['x-slack-request-timestamp'];
  return {
    ...(typeof signature === 'string' ? { slackSignature: signature } : {}),
    ...(typeof timestamp === 'string' ? { slackTimestamp: timestamp } : {}),
  };
}

/**
 * Bolt refuses a signed request older than 5 minutes but accepts one dated in the future and the same request twice
 * within the window. A signature covers the timestamp and the whole body, so the same signature twice is the same
 * request sent again (Slack's own retries are new requests with a new timestamp): it is acknowledged and dropped,
 * as is a timestamp more than 5 minutes ahead. The memory is per instance and forgets after the window.
 */
export function freshRequestsOnly(logger: Logger, now: () => number = Date.now): Middleware<AnyMiddlewareArgs> {
  const seen = new Map<string, number>();
  return async (args) => {
    const context = args.context as { slackSignature?: unknown; slackTimestamp?: unknown };
    if (typeof context.slackSignature !== 'string') return args.next();
    const at = now();
    const signedAtMs = Number(context.slackTimestamp) * 1000;
    for (const [signature, forgetAt] of seen) {
      if (forgetAt > at && seen.size <= MAX_REMEMBERED) break;
      seen.delete(signature);
    }
    const future = !Number.isFinite(signedAtMs) || signedAtMs > at + WINDOW_MS;
    const replayed = seen.has(context.slackSignature);
    if (!future && !replayed) {
      seen.set(context.slackSignature, Math.max(signedAtMs, at) + WINDOW_MS);
      return args.next();
    }
    logger.warn({ reason: future ? 'timestamp in the future' : 'same signature seen before' }, 'refused: replayed Slack request');
    const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
    await ack?.().catch(() => undefined);
  };
}
