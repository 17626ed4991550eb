import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createFastLane, type LaneHandler } from './fast-lane.ts';
import type { Logger } from '../logger.ts';
import type { ReadinessCheck } from './health.ts';
import { REQUEST_ID_HEADER, requestIdOf } from '../shared/request-id.ts';

/**
 * `requestId` is the caller's X-Request-Id (validated) or a generated one. It is already on the response, unless the
 * route says `writesRequestId`: then the handler puts it in its own writeHead (res.setHeader before a writeHead with a
 * header array sends Node down a slower path, which /authz cannot afford on every API call).
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, requestId: string) => void | Promise<void>;

export interface Route {
  prefix: string;
  handler: RouteHandler;
  writesRequestId?: boolean;
  /**
   * The same route, answered on the fast lane (fast-lane.ts) when the request is the plain case: synchronous, it
   * reads only what a LaneRequest has and writes one writeHead and end. At most one route has it (`/authz`).
   */
  fastLane?: LaneHandler;
}

export interface HttpServer {
  server: http.Server;
  port(): number;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const text = JSON.stringify(body);
  sendBody(res, status, text, String(Buffer.byteLength(text)), requestId);
}

/**
 * The body goes to `end` as a string: Node then sends it in one write with the head, where a Buffer body costs a
 * second chunk and a gathered write (writev) on every answer.
 */
function sendBody(res: ServerResponse, status: number, body: string, length: string, requestId: string): void {
  const headers = [
    'content-type',
    'application/json; charset=utf-8',
    'content-length',
    length,
    'cache-control',
    'no-store',
  ];
  // A route that wrote nothing yet may have set it already (routes without writesRequestId).
  if (!res.hasHeader(REQUEST_ID_HEADER)) headers.push(REQUEST_ID_HEADER, requestId);
  res.writeHead(status, headers);
  res.end(body);
}

// Liveness is asked often (every few seconds by each orchestrator probe): answered from a precomputed body.
const HEALTHY = JSON.stringify({ status: 'ok' });
const HEALTHY_LENGTH = String(Buffer.byteLength(HEALTHY));
const NOT_FOUND = JSON.stringify({ error: 'not_found' });
const NOT_FOUND_LENGTH = String(Buffer.byteLength(NOT_FOUND));

/**
 * The operational HTTP listener on AUTHZ_PORT: health, readiness, and any routes later parts register
 * (`/authz` lives here). Plain node:http: it sits on the hot path of every API request.
 */
export function createHttpServer(options: {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  /** Added to the /readyz body without deciding its status (the Slack side: reported, never a reason for 503). */
  report?: () => Record<string, unknown>;
  routes?: readonly Route[];
  /** `/healthz` and `/readyz` (default true); a listener for one purpose only (metrics) leaves them out. */
  probes?: boolean;
}): HttpServer {
  // The prefix followed by `/` computed once, not on every request.
  const routes = (options.routes ?? []).map((route) => ({ ...route, below: `${route.prefix}/` }));
  const probes = options.probes ?? true;
  const failed = (error: unknown, prefix: string, res: ServerResponse, requestId: string) => {
    options.logger.error({ err: error, path: prefix, requestId }, 'request failed');
    if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' }, requestId);
    else res.destroy();
  };
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const requestId = requestIdOf(req);
    if (probes && path === '/healthz') return sendBody(res, 200, HEALTHY, HEALTHY_LENGTH, requestId);
    if (probes && path === '/readyz') {
      void Promise.all(options.readiness.map(async (r) => ({ name: r.name, ...(await r.check()) }))).then(
        (results) => {
          const ok = results.every((r) => r.ok);
          sendJson(
            res,
            ok ? 200 : 503,
            { status: ok ? 'ready' : 'not ready', checks: results, ...options.report?.() },
            requestId,
          );
        },
        (error: unknown) => {
          options.logger.error({ err: error, requestId }, 'readiness check failed');
          sendJson(res, 503, { status: 'not ready' }, requestId);
        },
      );
      return;
    }
    for (const route of routes) {
      if (path === route.prefix || path.startsWith(route.below)) {
        if (route.writesRequestId !== true) res.setHeader(REQUEST_ID_HEADER, requestId);
        // Synchronous handlers (/authz) get no promise and no closure per request: the hot path of every API call.
        try {
          const pending = route.handler(req, res, requestId);
          if (pending !== undefined) pending.catch((error: unknown) => failed(error, route.prefix, res, requestId));
        } catch (error) {
          failed(error, route.prefix, res, requestId);
        }
        return;
      }
    }
    sendBody(res, 404, NOT_FOUND, NOT_FOUND_LENGTH, requestId);
  });
  server.keepAliveTimeout = 65_000;
  server.on('clientError', answerClientError);
  const fast = routes.find((route) => route.fastLane !== undefined);
  const lane =
    fast?.fastLane === undefined
      ? undefined
      : createFastLane({
          prefix: fast.prefix,
          handler: fast.fastLane,
          server,
          clientError: answerClientError,
          failed: (error, requestId) =>
            options.logger.error({ err: error, path: fast.prefix, requestId }, 'request failed'),
        });
  if (fast !== undefined && lane === undefined)
    options.logger.warn(
      { path: fast.prefix },
      'the fast lane is off: this Node.js lacks the parser internals it uses, so node:http answers every request',
    );
  lane?.attach();
  return {
    server,
    port: () => (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        lane?.close();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/**
 * Node answers unparseable requests (bad header bytes, oversized headers) itself, without Cache-Control; a gateway
 * must never cache any answer of this listener, so those get no-store too. The fast lane answers them the same way.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  );
}

export function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
