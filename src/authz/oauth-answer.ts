import type { ServerResponse } from 'node:http';

export type OAuthError =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'temporarily_unavailable';

export class Refusal {
  constructor(
    readonly status: number,
    readonly error: OAuthError,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json;charset=UTF-8' }),
    'content-length': String(bytes.length),
    // RFC 6749 §5.1: token answers (and, here, every OAuth answer) are never cached.
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'x-request-id': requestId,
    ...headers,
  });
  res.end(bytes);
}

/** A name from the request, repeated in an answer only when it is short and plain. */
export function safe(text: string): string {
  return /^[\x20-\x7e]{1,64}$/.test(text) && !/["\\]/.test(text) ? `"${text}"` : '(not shown)';
}
