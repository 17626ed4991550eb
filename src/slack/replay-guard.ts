import { createHash } from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../logger.ts';
import { AppError } from '../shared/errors.ts';
import { isDatabaseUnreachable, UNREACHABLE_TEXT } from './unhandled-failure.ts';

/** Slack's window for a signed request: older ones are refused by Bolt, newer than this ahead by us. */
const WINDOW_MS = 5 * 60_000;
/** Remembered past the window by a margin, so instances whose clocks differ a little still agree. */
const REMEMBER_MS = 2 * WINDOW_MS;
const PURGE_EVERY_MS = 60_000;
/** The memory is the database: a request waits this long for it, then fails closed well inside Slack's 3 s. */
const MEMORY_TIMEOUT_MS = 2_000;

/** Exactly what Slack sends: lower-case hex, so the value remembered is the value Bolt verified, byte for byte. */
const SIGNATURE = /^v0=[0-9a-f]{64}$/;
/** Seconds since the epoch in decimal: `+1700000000` or `1700000000.0` would be read by Bolt as the same time. */
const TIMESTAMP = /^[1-9][0-9]{0,11}$/;

export interface SeenSignatures {
  /** True the first time a digest is offered anywhere; false when it was seen before (by any instance). */
  remember(digest: Buffer, expiresAt: Date): Promise<boolean>;
  forgetExpired(): Promise<number>;
}

/** The signing headers, handed to middleware through Bolt's context (HTTP mode; Socket Mode has none). */
export function signingHeaders(req: IncomingMessage): { slackSignature?: string; slackTimestamp?: string } {
  const signature = req.headers['x-slack-signature'];
  const timestamp = req.headers['x-slack-request-timestamp'];
  return {
    ...(typeof signature === 'string' ? { slackSignature: signature } : {}),
    ...(typeof timestamp === 'string' ? { slackTimestamp: timestamp } : {}),
  };
}

/** Why these signing headers are not in Slack's one form, or undefined when they are (or are both absent). */
export function signingHeaderProblem(req: IncomingMessage): string | undefined {
  const signature = req.headersDistinct['x-slack-signature'];
  const timestamp = req.headersDistinct['x-slack-request-timestamp'];
  // Unsigned requests are Bolt's to answer: a 401, or the unsigned `ssl_check` that runs nothing.
  if (signature === undefined && timestamp === undefined) return undefined;
  if (signature?.length !== 1 || !SIGNATURE.test(signature[0] as string))
    return 'X-Slack-Signature is not one v0= with 64 lower-case hex digits';
  if (timestamp?.length !== 1 || !TIMESTAMP.test(timestamp[0] as string))
    return 'X-Slack-Request-Timestamp is not one decimal Unix time';
  return undefined;
}

/**
 * Bolt verifies only what follows the first `=` of the signature (`v0=<hex>=x` passed, and so did a repeated header
 * joined with a comma), so byte-different headers carried one verified signature and a replay guard keyed on the
 * header let the same request run again. Anything but Slack's exact form is refused with 401 before Bolt reads it.
 */
export function refuseMalformedSigning(listener: RequestListener, logger: Logger): RequestListener {
  return (req, res) => {
    const problem = signingHeaderProblem(req);
    if (problem === undefined) return listener(req, res);
    logger.warn({ reason: problem }, 'refused: malformed Slack signing headers');
    req.resume();
    res.writeHead(401).end();
  };
}

const digestOf = (signature: string) => createHash('sha256').update(signature).digest();

function withTimeout<T>(pending: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`no answer in ${ms} ms`), { code: 'CONNECT_TIMEOUT' })),
      ms,
    );
  });
  return Promise.race([pending, late]).finally(() => clearTimeout(timer));
}

/**
 * Bolt refuses a signed request older than 5 minutes but accepts one dated in the future and the same request twice
 * within the window. A signature covers the timestamp and the whole body, so the same signature twice is the same
 * request sent again (Slack's own retries are new requests with a new timestamp): it is acknowledged and dropped,
 * as is a timestamp more than 5 minutes ahead. The memory is shared by every instance (one insert per request), so
 * a request sent to a second instance runs nothing there either. Without the memory nothing runs: the person is told
 * the database cannot be reached.
 */
export function freshRequestsOnly(
  logger: Logger,
  memory: SeenSignatures,
  now: () => number = Date.now,
): Middleware<AnyMiddlewareArgs> {
  let lastPurge = 0;
  return async (args) => {
    const context = args.context as { slackSignature?: unknown; slackTimestamp?: unknown };
    if (context.slackSignature === undefined) return args.next();
    const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
    const drop = async (reason: string) => {
      logger.warn({ reason }, 'refused: replayed Slack request');
      await ack?.().catch(() => undefined);
    };
    // The receiver refused every other form already; this holds should that ever change.
    if (typeof context.slackSignature !== 'string' || !SIGNATURE.test(context.slackSignature))
      return drop('signature not in the form Slack sends');
    const at = now();
    const signedAtMs = Number(context.slackTimestamp) * 1000;
    if (!Number.isFinite(signedAtMs) || signedAtMs > at + WINDOW_MS) return drop('timestamp in the future');
    if (at - lastPurge > PURGE_EVERY_MS) {
      lastPurge = at;
      memory
        .forgetExpired()
        .catch((error: unknown) => logger.debug({ err: error }, 'purging seen Slack signatures failed; will retry'));
    }
    let fresh: boolean;
    try {
      fresh = await withTimeout(
        memory.remember(digestOf(context.slackSignature), new Date(Math.max(signedAtMs, at) + REMEMBER_MS)),
        MEMORY_TIMEOUT_MS,
      );
    } catch (error) {
      if (!isDatabaseUnreachable(error)) throw error;
      throw new AppError('DATABASE_UNREACHABLE', UNREACHABLE_TEXT.replace(/^:warning: /, ''), { cause: error });
    }
    if (!fresh) return drop('same signature seen before');
    return args.next();
  };
}
