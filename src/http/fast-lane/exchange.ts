import http, { type IncomingHttpHeaders } from 'node:http';
import { equalsIgnoringAsciiCase } from '../../shared/ascii-case.ts';
import { headersOf } from './node-parser.ts';

/** What a lane handler reads of a request (the fields /authz uses of node:http's IncomingMessage). */
export interface LaneRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
}

/** What a lane handler does with its answer: one writeHead with a flat header list, then end. */
export interface LaneResponse {
  writeHead(status: number, headers: string[]): unknown;
  end(body?: string): unknown;
}

/** Synchronous: the answer is written before it returns. */
export type LaneHandler = (req: LaneRequest, res: LaneResponse, requestId: string) => void;

/** Header values the lane writes: visible ASCII, spaces and tabs (never a CR or LF that would split the answer). */
const SAFE_VALUE = /^[\t\x20-\x7e]*$/;

export class FastRequest implements LaneRequest {
  private combined: IncomingHttpHeaders | undefined;
  constructor(
    readonly method: string,
    readonly url: string,
    readonly rawHeaders: string[],
  ) {}
  get headers(): IncomingHttpHeaders {
    this.combined ??= headersOf(this.rawHeaders);
    return this.combined;
  }
}

/** `Date` as node:http writes it, built once a second. */
let dateSecond = -1;
let dateText = '';
export function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** Where a finished answer goes: the connection writes it with its Date and Connection headers. */
export interface AnswerSink {
  send(head: string, body: string): void;
}

export class FastResponse implements LaneResponse {
  head = '';
  finished = false;
  constructor(
    private readonly connection: AnswerSink,
    private readonly headOnly: boolean,
  ) {}

  writeHead(status: number, headers: string[]): void {
    let head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    for (let i = 0; i < headers.length; i += 2) {
      const value = headers[i + 1] as string;
      if (!SAFE_VALUE.test(value)) throw new Error(`unsafe value for the ${headers[i]} header`);
      head += `${headers[i]}: ${value}\r\n`;
    }
    this.head = head;
  }

  end(body?: string): void {
    if (this.finished) return;
    if (this.head === '') throw new Error('the fast lane answer ended before its head was written');
    this.finished = true;
    this.connection.send(this.head, this.headOnly || body === undefined ? '' : body);
  }
}

/**
 * Whether a head is the plain case the lane serves: a Host (HTTP/1.1), no body (no Transfer-Encoding, no
 * Content-Length other than 0) and no Expect. Names are compared in any case, without a lower-cased copy.
 */
export function plain(raw: readonly string[], minor: number): boolean {
  let host = minor === 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    switch (name.length) {
      case 4:
        if (equalsIgnoringAsciiCase(name, 4, 'host')) host = true;
        break;
      case 6:
        if (equalsIgnoringAsciiCase(name, 6, 'expect')) return false;
        break;
      case 14:
        if (equalsIgnoringAsciiCase(name, 14, 'content-length') && raw[i + 1] !== '0') return false;
        break;
      case 17:
        if (equalsIgnoringAsciiCase(name, 17, 'transfer-encoding')) return false;
        break;
    }
  }
  return host;
}
