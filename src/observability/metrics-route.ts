import type { RouteHandler } from '../http/server.ts';
import { METRICS_PATH, type Metrics, renderMetrics } from './metrics.ts';

/** `GET /metrics` in Prometheus' text format: on METRICS_PORT when set, else on AUTHZ_PORT. */
export function metricsRoute(metrics: Metrics): { prefix: string; handler: RouteHandler } {
  return {
    prefix: METRICS_PATH,
    async handler(_req, res) {
      const { contentType, body } = await renderMetrics(metrics);
      res.writeHead(200, {
        'content-type': contentType,
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      });
      res.end(body);
    },
  };
}
