import http, { type IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';

export interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | (Error & { code?: string; bytesParsed?: number });
  resume(): void;
  free(): void;
  consume(handle: StreamHandle): void;
  unconsume(): void;
  getCurrentBuffer(): Buffer;
  [callback: number]: unknown;
}

/** The socket's libuv stream (`socket._handle`), which the parser reads from directly, as node:http's does. */
export interface StreamHandle {
  isStreamBase?: boolean;
  _consumed?: boolean;
  reading?: boolean;
  readStart(): number;
  readStop(): number;
}

interface HttpCommon {
  HTTPParser: {
    new (): Parser;
    REQUEST: number;
    kOnMessageBegin: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
    kLenientNone?: number;
  };
  methods: string[];
}

const addHeaderLine = (
  http.IncomingMessage.prototype as unknown as {
    _addHeaderLine?(this: { joinDuplicateHeaders: boolean }, name: string, value: string, dest: object): void;
  }
)._addHeaderLine;

/**
 * node:http's own parser binding (the same llhttp, limits and strictness as every other route of the listener) and
 * the parts of it the lane uses. They are Node internals, there in Node 20 and later: should a Node release drop
 * one, the lane stays off and node:http answers everything, as with AUTHZ_FAST_LANE=off.
 */
function nodeInternals(): HttpCommon | undefined {
  try {
    const common = createRequire(import.meta.url)('node:_http_common') as Partial<HttpCommon>;
    const parser = common.HTTPParser?.prototype as Record<string, unknown> | undefined;
    const needed = ['initialize', 'execute', 'resume', 'free', 'consume', 'unconsume', 'getCurrentBuffer'];
    if (parser === undefined || !Array.isArray(common.methods) || typeof addHeaderLine !== 'function') return undefined;
    return needed.every((name) => typeof parser[name] === 'function') ? (common as HttpCommon) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether this Node has every part of its parser the lane uses. */
const internals = nodeInternals();
export const nodeParserAvailable = internals !== undefined;
export const HTTPParser = (internals?.HTTPParser ?? {}) as HttpCommon['HTTPParser'];
export const methods = internals?.methods ?? [];
export const STRICT = HTTPParser.kLenientNone ?? 0;
/** llhttp's HPE_PAUSED, returned from on_headers_complete: the parser stops right after that request's head. */
export const PAUSE = 21;

const COMBINE = { joinDuplicateHeaders: false };

/** node:http's `req.headers` for a raw header list: node's own merging (first Authorization wins, others joined). */
export function headersOf(raw: readonly string[]): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  const add = addHeaderLine as NonNullable<typeof addHeaderLine>;
  for (let i = 0; i < raw.length; i += 2) add.call(COMBINE, raw[i] as string, raw[i + 1] as string, headers);
  return headers;
}

/**
 * Where request number `n` (from 0) starts in `bytes`, which begin between requests. Every request before it was
 * served by the lane, so none had a body: each ends where its head ends, which a second parser finds by pausing there.
 */
export function startOfRequest(bytes: Buffer, n: number): number {
  const walker = new HTTPParser();
  walker.initialize(HTTPParser.REQUEST, {}, http.maxHeaderSize, STRICT);
  walker[HTTPParser.kOnHeadersComplete] = () => PAUSE;
  let offset = 0;
  try {
    for (let i = 0; i < n; i++) {
      const result = walker.execute(bytes.subarray(offset));
      if (typeof result === 'number' || result.code !== 'HPE_PAUSED' || result.bytesParsed === undefined)
        throw new Error('the fast lane lost track of a pipelined request');
      offset += result.bytesParsed;
      walker.resume();
    }
  } finally {
    walker.free();
  }
  return offset;
}
