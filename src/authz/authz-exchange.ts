import type { IncomingHttpHeaders } from 'node:http';

/**
 * What `/authz` reads of a request. node:http's IncomingMessage has it, and so does the HTTP listener's fast lane
 * (src/http/fast-lane.ts), which answers `/authz` without node:http's per-request objects.
 */
export interface AuthzRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  /** Lower-cased names, repeated headers combined exactly as node:http combines them. */
  readonly headers: IncomingHttpHeaders;
  /** Names as sent and values, alternating, each repeated header on its own. */
  readonly rawHeaders: string[];
}

/** What `/authz` does with its answer: one writeHead with a flat list of header names and values, then end. */
export interface AuthzResponse {
  writeHead(status: number, headers: string[]): unknown;
  end(body?: string): unknown;
}
