import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
export const MAX_REQUEST_ID_LENGTH = 128;
/** What gateways and tracing tools send (UUIDs, hex trace ids, nginx's $request_id): nothing that could break a log line. */
const ACCEPTABLE = /^[A-Za-z0-9._:@+=/-]+$/;

/**
 * The caller's `X-Request-Id` when it is a sane token of at most 128 characters (so a gateway's id ties its log to
 * ours), else a fresh UUID. An unusable header is replaced, never refused: it is not the caller's fault enough to fail.
 */
export function requestIdOf(req: Pick<IncomingMessage, 'headers'>): string {
  const given = req.headers[REQUEST_ID_HEADER];
  if (typeof given === 'string' && given.length > 0 && given.length <= MAX_REQUEST_ID_LENGTH && ACCEPTABLE.test(given))
    return given;
  return randomUUID();
}
