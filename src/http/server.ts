import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.ts';
import type { ReadinessCheck } from './health.ts';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.ts';

/** `requestId` is the caller's X-Request-Id (validated) or a generated one; it is already on the response. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, requestId: string) => void | Promise<void>;

export interface HttpServer {
  server: http.Server;
  port(): number;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/**
 * The operational HTTP listener on AUTHZ_PORT: health, readiness, and any routes later parts register
 * (`/authz` lives here). Plain node:http: it sits on the hot path of every API request.
 */
export function createHttpServer(options: {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  /** Added to the /readyz body without deciding its status (the Slack side: reported, never a reason for 503). */
  report?: () => Record<string, unknown>;
  routes?: ReadonlyArray<{ prefix: string; handler: RouteHandler }>;
  /** `/healthz` and `/readyz` (default true); a listener for one purpose only (metrics) leaves them out. */
  probes?: boolean;
}): HttpServer {
  const routes = options.routes ?? [];
  const probes = options.probes ?? true;
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?', 1)[0] as string;
    const requestId = requestIdOf(req);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    if (probes && path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (probes && path === '/readyz') {
      void Promise.all(options.readiness.map(async (r) => ({ name: r.name, ...(await r.check()) }))).then(
        (results) => {
          const ok = results.every((r) => r.ok);
          sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', checks: results, ...options.report?.() });
        },
        (error: unknown) => {
          options.logger.error({ err: error, requestId }, 'readiness check failed');
          sendJson(res, 503, { status: 'not ready' });
        },
      );
      return;
    }
    for (const route of routes) {
      if (path === route.prefix || path.startsWith(`${route.prefix}/`)) {
        const failed = (error: unknown) => {
          options.logger.error({ err: error, path: route.prefix, requestId }, 'request failed');
          if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
          else res.destroy();
        };
        // Synchronous handlers (/authz) get no promise per request: it sits on the hot path of every API call.
        try {
          const pending = route.handler(req, res, requestId);
          if (pending !== undefined) pending.catch(failed);
        } catch (error) {
          failed(error);
        }
        return;
      }
    }
    sendJson(res, 404, { error: 'not_found' });
  });
  server.keepAliveTimeout = 65_000;
  // Node answers unparseable requests (bad header bytes, oversized headers) itself, without Cache-Control; a gateway
  // must never cache any answer of this listener, so those get no-store too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  return {
    server,
    port: () => (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
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
