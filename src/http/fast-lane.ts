import http, { type IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { REQUEST_ID_HEADER, requestIdOf } from '../shared/request-id.ts';

/**
 * The fast lane: `/authz` answered straight from node's own HTTP parser, without node:http's per-request objects.
 *
 * node:http spends more CPU on the objects around a request (the socket's JavaScript stream and a Buffer per read,
 * IncomingMessage and ServerResponse streams, header merging and validation, 'finish' bookkeeping) than the whole
 * key decision costs, and `/authz` runs before every API call. The lane keeps what matters for safety from
 * node:http and drops the rest:
 * - Parsing is node's own llhttp (the parser node:http uses), strict, with node:http's header size limit, reading
 *   the socket's stream directly as node:http's parser does; whatever it refuses is answered as node:http would
 *   answer it (the listener's clientError answer).
 * - Only the plain case is served here: a keep-alive or closing HTTP/1.x request for the lane's route with a Host,
 *   no body, no Expect and no Upgrade. Anything else (another path, a body, an upgrade, HTTP/1.1 without Host)
 *   hands the connection to node:http at that request's first byte, and node:http keeps it from then on.
 * - Headers reach the handler as node:http would give them (same names, repeated headers combined the same way).
 * - Answers are written as one string with the same headers node:http would write, header values checked for
 *   characters that could split the answer.
 * - A request's head must arrive within the server's headersTimeout, an idle connection closes after its
 *   keepAliveTimeout, and a client that does not read its answers is not read from either.
 */

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

interface Parser {
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
interface StreamHandle {
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

const internals = nodeInternals();
const HTTPParser = (internals?.HTTPParser ?? {}) as HttpCommon['HTTPParser'];
const methods = internals?.methods ?? [];
const STRICT = HTTPParser.kLenientNone ?? 0;
/** llhttp's HPE_PAUSED, returned from on_headers_complete: the parser stops right after that request's head. */
const PAUSE = 21;
/** Header names and values kept from a head that arrives in pieces (the 16 KB head limit bites first). */
const MAX_HEADER_ENTRIES = 4000;
const SWEEP_MS = 1000;
const CLOSING_HEAD_TICKS = 2;

/** Header values the lane writes: visible ASCII, spaces and tabs (never a CR or LF that would split the answer). */
const SAFE_VALUE = /^[\t\x20-\x7e]*$/;
const COMBINE = { joinDuplicateHeaders: false };

/** node:http's `req.headers` for a raw header list: node's own merging (first Authorization wins, others joined). */
export function headersOf(raw: readonly string[]): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  const add = addHeaderLine as NonNullable<typeof addHeaderLine>;
  for (let i = 0; i < raw.length; i += 2) add.call(COMBINE, raw[i] as string, raw[i + 1] as string, headers);
  return headers;
}

class FastRequest implements LaneRequest {
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
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

class FastResponse implements LaneResponse {
  head = '';
  finished = false;
  constructor(
    private readonly connection: Connection,
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

interface LaneOptions {
  prefix: string;
  handler: LaneHandler;
  /** node:http's own connection listener: connections and requests the lane does not serve go there. */
  handOff: (socket: Socket) => void;
  /** The listener's answer to a request node's parser refused (the same as node:http connections get). */
  clientError: (error: Error & { code?: string }, socket: Socket) => void;
  /** A handler that threw: logged by the listener, answered 500 here. */
  failed: (error: unknown, requestId: string | undefined) => void;
  server: http.Server;
}

/**
 * One connection on the lane. `pending` holds every byte since the parser was last between requests, so a request
 * the lane does not serve can be handed to node:http from its first byte.
 */
class Connection {
  private readonly parser = new HTTPParser();
  private pending: Buffer[] = [];
  /** Requests begun (and, before the one being parsed, answered) since `pending` started. */
  private begun = 0;
  private inMessage = false;
  private startedTick = 0;
  private lastTick = 0;
  private partialHeaders: string[] = [];
  private partialUrl = '';
  private handOffAt = -1;
  private closing = false;
  private keepAlive = true;
  private detached = false;
  private waitingForDrain = false;

  constructor(
    readonly socket: Socket,
    private readonly lane: Lane,
    private readonly handle: StreamHandle,
  ) {
    const parser = this.parser;
    parser.initialize(HTTPParser.REQUEST, {}, http.maxHeaderSize, STRICT);
    parser[HTTPParser.kOnMessageBegin] = () => {
      this.inMessage = true;
      this.startedTick = lane.tick;
      this.begun++;
    };
    parser[HTTPParser.kOnHeaders] = (headers: string[], url: string) => {
      if (this.partialHeaders.length < MAX_HEADER_ENTRIES) this.partialHeaders.push(...headers);
      this.partialUrl += url;
    };
    parser[HTTPParser.kOnHeadersComplete] = this.onHeadersComplete;
    parser[HTTPParser.kOnBody] = () => {};
    parser[HTTPParser.kOnMessageComplete] = () => {
      this.inMessage = false;
    };
    parser[HTTPParser.kOnExecute] = this.onExecute;
    this.lastTick = lane.tick;
    // The parser reads the socket's stream itself, without a 'data' event and a Buffer per read (as node:http does).
    handle._consumed = true;
    parser.consume(handle);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('drain', this.onDrain);
  }

  /** After each read the parser took: what it found is already answered; here is what is left to do. */
  private readonly onExecute = (result: number | (Error & { code?: string })): void => {
    if (this.detached) return;
    this.lastTick = this.lane.tick;
    if (this.handOffAt !== -1) this.handOff();
    else if (this.closing) return;
    else if (typeof result !== 'number') this.refuse(result);
    // A request split over reads: its bytes so far are kept in case it turns out to be node:http's.
    else if (this.inMessage) this.pending.push(this.parser.getCurrentBuffer());
    else {
      if (this.pending.length > 0) this.pending = [];
      this.begun = 0;
    }
  };

  private readonly onHeadersComplete = (
    major: number,
    minor: number,
    headers: string[] | undefined,
    method: number,
    url: string | undefined,
    _status: unknown,
    _message: unknown,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    let raw = headers;
    if (raw === undefined) {
      raw = this.partialHeaders;
      this.partialHeaders = [];
    }
    let target = url;
    if (!target) {
      target = this.partialUrl;
      this.partialUrl = '';
    }
    const lane = this.lane;
    // Requests pipelined behind one that closes the connection are not answered (node:http does the same).
    if (this.closing) return PAUSE;
    if (upgrade || major !== 1 || !lane.serves(target) || !plain(raw, minor)) {
      this.handOffAt = this.begun - 1;
      return PAUSE;
    }
    const name = methods[method] as string;
    const req = new FastRequest(name, target, raw);
    this.keepAlive = keepAlive && !lane.closing;
    const res = new FastResponse(this, name === 'HEAD');
    const requestId = requestIdOf(req);
    try {
      lane.handler(req, res, requestId);
      if (!res.finished) throw new Error('the fast lane handler returned without answering');
    } catch (error) {
      lane.failed(error, requestId);
      if (res.finished) {
        this.socket.destroy();
        return PAUSE;
      }
      this.keepAlive = false;
      res.writeHead(500, [
        'content-type',
        'application/json; charset=utf-8',
        'content-length',
        String(INTERNAL_ERROR.length),
        'cache-control',
        'no-store',
        REQUEST_ID_HEADER,
        requestId,
      ]);
      res.end(INTERNAL_ERROR);
    }
    if (!this.keepAlive) this.closing = true;
    return 0;
  };

  send(head: string, body: string): void {
    const socket = this.socket;
    const connection = this.keepAlive ? this.lane.keepAliveHeader : 'connection: close\r\n';
    const written = socket.write(`${head}date: ${httpDate()}\r\n${connection}\r\n${body}`);
    if (!this.keepAlive) socket.end();
    else if (!written && !this.waitingForDrain) {
      // A client that does not read its answers is not read from either: answers never pile up in memory.
      this.waitingForDrain = true;
      this.handle.reading = false;
      this.handle.readStop();
    }
  }

  private readonly onDrain = (): void => {
    if (!this.waitingForDrain) return;
    this.waitingForDrain = false;
    if (!this.detached && !this.socket.destroyed) {
      this.handle.reading = true;
      this.handle.readStart();
    }
  };

  /** node:http takes the connection from the first byte of the request the lane does not serve. */
  private handOff(): void {
    const current = this.parser.getCurrentBuffer();
    const bytes = this.pending.length === 0 ? current : Buffer.concat([...this.pending, current]);
    const socket = this.socket;
    // Called from the parser's native read callback, where a throw would end the process: a failure closes this
    // connection instead (it cannot happen while the walker parses what the lane's own parser already accepted).
    let start: number;
    try {
      start = this.handOffAt === 0 ? 0 : startOfRequest(bytes, this.handOffAt);
    } catch (error) {
      this.lane.failed(error, undefined);
      this.detach();
      socket.destroy();
      return;
    }
    this.detach();
    socket.pause();
    socket.unshift(bytes.subarray(start));
    this.lane.handOff(socket);
    socket.resume();
  }

  private refuse(error: Error & { code?: string }): void {
    this.detach();
    this.lane.clientError(error, this.socket);
  }

  /** Called every second: a head that takes too long is refused, an idle connection closed. */
  sweep(tick: number, headersTicks: number, idleTicks: number): void {
    if (this.inMessage) {
      if (tick - this.startedTick > headersTicks) {
        const error = Object.assign(new Error('request head timed out'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
        this.refuse(error);
      }
    } else if (idleTicks > 0 && tick - this.lastTick > idleTicks) this.socket.destroy();
  }

  /** On shutdown: an idle connection closes now, one in the middle of a request after its answer. */
  close(): void {
    if (!this.inMessage) this.socket.destroy();
  }

  private detach(): void {
    if (this.detached) return;
    this.detached = true;
    const socket = this.socket;
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
    socket.off('drain', this.onDrain);
    this.lane.forget(this);
    // The stream goes back to the socket (and to node:http's own parser, if it takes the connection).
    this.parser.unconsume();
    this.handle._consumed = false;
    if (this.waitingForDrain && !socket.destroyed) {
      this.handle.reading = true;
      this.handle.readStart();
    }
    this.parser.free();
    this.pending = [];
  }

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  private readonly onClose = (): void => {
    this.detach();
  };
}

const INTERNAL_ERROR = JSON.stringify({ error: 'internal_error' });

/**
 * Whether a head is the plain case the lane serves: a Host (HTTP/1.1), no body (no Transfer-Encoding, no
 * Content-Length other than 0) and no Expect. Names are compared in any case, without a lower-cased copy.
 */
function plain(raw: readonly string[], minor: number): boolean {
  let host = minor === 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    switch (name.length) {
      case 4:
        if (sameName(name, 'host')) host = true;
        break;
      case 6:
        if (sameName(name, 'expect')) return false;
        break;
      case 14:
        if (sameName(name, 'content-length') && raw[i + 1] !== '0') return false;
        break;
      case 17:
        if (sameName(name, 'transfer-encoding')) return false;
        break;
    }
  }
  return host;
}

function sameName(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const code = name.charCodeAt(i);
    if ((code >= 65 && code <= 90 ? code + 32 : code) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Where request number `n` (from 0) starts in `bytes`, which begin between requests. Every request before it was
 * served by the lane, so none had a body: each ends where its head ends, which a second parser finds by pausing there.
 */
function startOfRequest(bytes: Buffer, n: number): number {
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

class Lane {
  tick = 0;
  closing = false;
  keepAliveHeader = 'connection: keep-alive\r\n';
  private readonly connections = new Set<Connection>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly below: string;

  constructor(private readonly options: LaneOptions) {
    this.below = `${options.prefix}/`;
  }

  get handler(): LaneHandler {
    return this.options.handler;
  }

  serves(url: string): boolean {
    const prefix = this.options.prefix;
    if (!url.startsWith(prefix)) return false;
    if (url.length === prefix.length) return true;
    const next = url.charCodeAt(prefix.length);
    return next === 47 /* / */ || next === 63 /* ? */ || url.startsWith(this.below);
  }

  /** A new connection: the lane's until it asks for something else (or at once, if it plainly does). */
  accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const keepAlive = this.options.server.keepAliveTimeout;
    this.keepAliveHeader =
      keepAlive > 0
        ? `connection: keep-alive\r\nkeep-alive: timeout=${Math.floor(keepAlive / 1000)}\r\n`
        : 'connection: keep-alive\r\n';
    const handle = (socket as unknown as { _handle?: StreamHandle })._handle;
    // Not a plain TCP stream (nothing the listener makes): node:http serves it.
    if (handle?.isStreamBase !== true || handle._consumed === true) {
      this.options.handOff(socket);
      return;
    }
    // Tracked from the start: a connection that never sends anything is closed when idle or on shutdown.
    this.connections.add(new Connection(socket, this, handle));
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  handOff(socket: Socket): void {
    this.options.handOff(socket);
  }

  clientError(error: Error & { code?: string }, socket: Socket): void {
    this.options.clientError(error, socket);
  }

  failed(error: unknown, requestId: string | undefined): void {
    this.options.failed(error, requestId);
  }

  forget(connection: Connection): void {
    this.connections.delete(connection);
    if (this.connections.size === 0 && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private sweep(): void {
    this.tick++;
    const server = this.options.server;
    // Shutting down: a head still arriving gets a couple of seconds more, not the full timeout.
    const headersTicks = this.closing
      ? CLOSING_HEAD_TICKS
      : Math.ceil(Math.min(server.headersTimeout, server.requestTimeout || Infinity) / SWEEP_MS);
    const idleTicks = Math.ceil(server.keepAliveTimeout / SWEEP_MS);
    for (const connection of [...this.connections]) connection.sweep(this.tick, headersTicks, idleTicks);
  }

  close(): void {
    this.closing = true;
    for (const connection of [...this.connections]) connection.close();
  }
}

export interface FastLane {
  /** Takes over the server's connections: the lane's route is served on it, everything else by node:http. */
  attach(): void;
  /** Stops taking connections; idle ones close now, one in the middle of a request after its answer. */
  close(): void;
}

/** undefined: this Node lacks what the lane needs (see nodeInternals); node:http then serves every request. */
export function createFastLane(options: Omit<LaneOptions, 'handOff'>): FastLane | undefined {
  if (internals === undefined) return undefined;
  const server = options.server;
  const nodeListeners = server.listeners('connection') as Array<(socket: Socket) => void>;
  const lane = new Lane({
    ...options,
    handOff: (socket) => {
      for (const listener of nodeListeners) listener.call(server, socket);
    },
  });
  return {
    attach() {
      for (const listener of nodeListeners) server.off('connection', listener);
      server.on('connection', (socket: Socket) => lane.accept(socket));
    },
    close: () => lane.close(),
  };
}
