import type { AuthzResponse } from './authz-exchange.ts';
import { REQUEST_ID_HEADER } from '../shared/request-id.ts';

/**
 * A JSON body as the string `end` takes (Node then sends it in one write with the head; a Buffer would be a second
 * chunk and a writev) and its length in bytes for Content-Length.
 */
export interface JsonBody {
  text: string;
  length: string;
}

export function jsonBody(body: Record<string, string>): JsonBody {
  const text = JSON.stringify(body);
  return { text, length: String(Buffer.byteLength(text)) };
}

const UNAVAILABLE_BODY = jsonBody({
  error: 'unavailable',
  message: 'Key decisions are unavailable: the key index is not loaded or may be out of date.',
});

/**
 * Every answer is written with one writeHead of a flat header array, X-Request-Id included (the server leaves it to
 * this route): no res.setHeader, which would send Node down its slower merging path on every API call.
 */
export function withRequestId(headers: string[], requestId: string | undefined): string[] {
  if (requestId !== undefined) headers.push(REQUEST_ID_HEADER, requestId);
  return headers;
}

/** Before the index is loaded (or while the database is unreachable at start-up) every answer is this. */
export function answerUnavailable(res: AuthzResponse, requestId?: string): void {
  res.writeHead(
    503,
    withRequestId(
      [
        'cache-control',
        'no-store',
        'content-type',
        'application/json',
        'content-length',
        UNAVAILABLE_BODY.length,
        'retry-after',
        '1',
      ],
      requestId,
    ),
  );
  res.end(UNAVAILABLE_BODY.text);
}
