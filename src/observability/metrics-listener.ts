import { createHttpServer, listen, type RouteHandler } from '../http/server.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';
import { metricsRoute } from './metrics-route.ts';

export interface MetricsExposure {
  /** What AUTHZ_PORT serves of the metrics: `/metrics` when there is no METRICS_PORT, else nothing (404). */
  authzPortRoutes: ReadonlyArray<{ prefix: string; handler: RouteHandler }>;
  close(): Promise<void>;
}

/**
 * With METRICS_PORT, `/metrics` gets a listener of its own that serves nothing else (no probes, no /authz), and the
 * port gateways reach no longer shows it: the two can then face different networks.
 */
export async function exposeMetrics(
  settings: { host: string; port: number } | undefined,
  metrics: Metrics,
  logger: Logger,
): Promise<MetricsExposure> {
  if (settings === undefined) return { authzPortRoutes: [metricsRoute(metrics)], close: async () => {} };
  const http = createHttpServer({ logger, readiness: [], probes: false, routes: [metricsRoute(metrics)] });
  await listen(http.server, settings.port, settings.host);
  logger.info({ host: settings.host, port: http.port() }, 'metrics listening: /metrics only (Prometheus)');
  return { authzPortRoutes: [], close: () => http.close() };
}
