import type { Socket } from 'node:net';
import { Connection, type LaneOptions, type LaneState } from './fast-lane/connection.ts';
import { nodeParserAvailable, type StreamHandle } from './fast-lane/node-parser.ts';

export type { LaneHandler, LaneRequest, LaneResponse } from './fast-lane/exchange.ts';
export { headersOf } from './fast-lane/node-parser.ts';

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

const SWEEP_MS = 1000;
const CLOSING_HEAD_TICKS = 2;

class Lane implements LaneState {
  tick = 0;
  closing = false;
  keepAliveHeader = 'connection: keep-alive\r\n';
  private readonly connections = new Set<Connection>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(readonly options: LaneOptions) {}

  /** The route's own rule (server.ts): the prefix itself, or below it, with or without a query. */
  serves(url: string): boolean {
    const prefix = this.options.prefix;
    if (!url.startsWith(prefix)) return false;
    if (url.length === prefix.length) return true;
    const next = url.charCodeAt(prefix.length);
    return next === 47 /* / */ || next === 63 /* ? */;
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

/** undefined: this Node lacks what the lane needs (see node-parser.ts); node:http then serves every request. */
export function createFastLane(options: Omit<LaneOptions, 'handOff'>): FastLane | undefined {
  if (!nodeParserAvailable) return undefined;
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
