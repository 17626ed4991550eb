import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { AuthzDecisionMetrics } from './authz-metrics.ts';

export const METRICS_PATH = '/metrics';
const PREFIX = 'harvest_keys_';

/** How one /authz answer ended; `reason` is the 401/403 reason (a small fixed set), empty otherwise. */
export type AuthzOutcome = 'allow' | 'deny_401' | 'deny_403' | 'unavailable';

export interface Metrics {
  registry: Registry;
  /** Hot path: a pre-bound counter child per outcome/reason and one histogram observe. */
  authzDecision(outcome: AuthzOutcome, reason: string, seconds: number): void;
  indexLoaded(seconds: number): void;
  /** A key change applied to the index, `lagSeconds` after its NOTIFY arrived. */
  invalidationApplied(lagSeconds: number): void;
  channelReconnected(): void;
  slackHandled(type: string, outcome: 'ok' | 'error', seconds: number): void;
  slackApiError(method: string, code: string): void;
  delivery(outcome: string, reason?: string): void;
  /** Tokens GitHub secret scanning reported, by the label answered (true_positive: a key of ours). */
  secretScanning(label: 'true_positive' | 'false_positive', count: number): void;
  /** Values read on each scrape (index size, pending approvals): set by whoever owns them. */
  onScrape(collect: () => Promise<void> | void): void;
  /** Runs the scrape-time collectors; a failing one is skipped and its gauge keeps the last value. */
  collect(): Promise<void>;
  gauges: { indexKeys: Gauge; indexFresh: Gauge; approvalsPending: Gauge };
}

/**
 * The service's Prometheus metrics, on a registry of its own (several instances in one test process never mix).
 * Names are listed in the README's Operations section.
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const scrapers: Array<() => Promise<void> | void> = [];

  const authz = new AuthzDecisionMetrics(PREFIX);
  for (const metric of authz.metrics())
    registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  const indexKeys = new Gauge({
    name: `${PREFIX}authz_index_keys`,
    help: 'Keys in the in-memory /authz index',
    registers: [registry],
  });
  const indexFresh = new Gauge({
    name: `${PREFIX}authz_index_fresh`,
    help: '1 while /authz trusts its index, 0 while loading or stale (then /authz answers 503)',
    registers: [registry],
  });
  const indexLoadSeconds = new Histogram({
    name: `${PREFIX}authz_index_load_seconds`,
    help: 'Full loads of the key index (start-up and every reconnect of the change channel)',
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const invalidationLag = new Histogram({
    name: `${PREFIX}authz_invalidation_lag_seconds`,
    help: 'From the arrival of a key change NOTIFY to the change being enforced by this instance',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  const reconnects = new Counter({
    name: `${PREFIX}authz_channel_reconnects_total`,
    help: 'Times the key change channel (LISTEN) was re-established after being lost; each one reloads the whole index',
    registers: [registry],
  });
  const slackSeconds = new Histogram({
    name: `${PREFIX}slack_handler_duration_seconds`,
    help: 'Slack requests (commands, actions, views, events) from arrival to the end of their handling',
    labelNames: ['type', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
    registers: [registry],
  });
  const slackApiErrors = new Counter({
    name: `${PREFIX}slack_api_errors_total`,
    help: 'Failed Slack Web API calls (each attempt, retries included) by method and error code',
    labelNames: ['method', 'code'] as const,
    registers: [registry],
  });
  const deliveries = new Counter({
    name: `${PREFIX}deliveries_total`,
    help: 'Encrypted key deliveries by outcome (sent, failed with its reason, confirmed, abandoned)',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  });
  const secretScanningTokens = new Counter({
    name: `${PREFIX}secret_scanning_tokens_total`,
    help: 'Tokens reported by GitHub secret scanning, by label (true_positive: a key of ours, revoked or announced)',
    labelNames: ['label'] as const,
    registers: [registry],
  });
  const approvalsPending = new Gauge({
    name: `${PREFIX}approvals_pending`,
    help: 'Approval requests waiting for a decision (read on scrape)',
    registers: [registry],
  });

  return {
    registry,
    authzDecision: (outcome, reason, seconds) => authz.record(outcome, reason, seconds),
    indexLoaded: (seconds) => indexLoadSeconds.observe(seconds),
    invalidationApplied: (lag) => invalidationLag.observe(lag),
    channelReconnected: () => reconnects.inc(),
    slackHandled: (type, outcome, seconds) => slackSeconds.labels(type, outcome).observe(seconds),
    slackApiError: (method, code) => slackApiErrors.labels(method, code).inc(),
    delivery: (outcome, reason = '') => deliveries.labels(outcome, reason).inc(),
    secretScanning: (label, count) => secretScanningTokens.labels(label).inc(count),
    onScrape(collect) {
      scrapers.push(collect);
    },
    async collect() {
      await Promise.allSettled(scrapers.map(async (collect) => collect()));
    },
    gauges: { indexKeys, indexFresh, approvalsPending },
  };
}

export async function renderMetrics(metrics: Metrics): Promise<{ contentType: string; body: string }> {
  await metrics.collect();
  return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
}
