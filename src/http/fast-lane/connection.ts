import http from 'node:http';
import type { Socket } from 'node:net';
import { REQUEST_ID_HEADER, requestIdOf } from '../../shared/request-id.ts';
import { FastRequest, FastResponse, httpDate, type LaneHandler, plain } from './exchange.ts';
import { HTTPParser, methods, PAUSE, STRICT, type StreamHandle, startOfRequest } from './node-parser.ts';

/** Header names and values kept from a head that arrives in pieces (the 16 KB head limit bites first). */
const MAX_HEADER_ENTRIES = 4000;
const INTERNAL_ERROR = JSON.stringify({ error: 'internal_error' });

export interface LaneOptions {
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

/** What a connection reads of its lane (fast-lane.ts): the sweep's clock, shutdown, the options, the route. */
export interface LaneState {
  readonly tick: number;
  readonly closing: boolean;
  readonly keepAliveHeader: string;
  readonly options: LaneOptions;
  serves(url: string): boolean;
  forget(connection: Connection): void;
}

/**
 * One connection on the lane. `pending` holds every byte since the parser was last between requests, so a request
 * the lane does not serve can be handed to node:http from its first byte.
 */
export class Connection {
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
    private readonly lane: LaneState,
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
      lane.options.handler(req, res, requestId);
      if (!res.finished) throw new Error('the fast lane handler returned without answering');
    } catch (error) {
      lane.options.failed(error, requestId);
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
      this.lane.options.failed(error, undefined);
      this.detach();
      socket.destroy();
      return;
    }
    this.detach();
    socket.pause();
    socket.unshift(bytes.subarray(start));
    this.lane.options.handOff(socket);
    socket.resume();
  }

  private refuse(error: Error & { code?: string }): void {
    this.detach();
    this.lane.options.clientError(error, this.socket);
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
