import { Counter, Gauge } from 'prom-client';
import type { AttemptOutcome } from '../webhooks/deliverer.ts';
import type { WebhookOutbox } from '../webhooks/types.ts';
import type { Metrics } from './metrics.ts';

/**
 * Webhook delivery on `/metrics`: attempts as they happen (this instance), and the outbox as every instance shares
 * it (read on scrape): the backlog, its oldest message's age, and the messages given up.
 */
export function observeWebhooks(metrics: Metrics, outbox: WebhookOutbox): (outcome: AttemptOutcome) => void {
  const registers = [metrics.registry];
  const attempts = new Counter({
    name: 'harvest_keys_webhook_attempts_total',
    help: 'Webhook delivery attempts by this instance: delivered (2xx), failed (to be retried), dead (given up)',
    labelNames: ['outcome'] as const,
    registers,
  });
  for (const outcome of ['delivered', 'failed', 'dead'] as const) attempts.labels(outcome).inc(0);
  const pending = new Gauge({
    name: 'harvest_keys_webhook_pending',
    help: 'Webhook messages not yet delivered, in flight or waiting for a retry (read on scrape)',
    registers,
  });
  const oldest = new Gauge({
    name: 'harvest_keys_webhook_oldest_pending_seconds',
    help: 'Age of the oldest webhook message not yet delivered; 0 when none is (read on scrape)',
    registers,
  });
  const dead = new Gauge({
    name: 'harvest_keys_webhook_dead',
    help: 'Webhook messages given up after 24 hours of failed attempts (read on scrape)',
    registers,
  });
  metrics.onScrape(async () => {
    const stats = await outbox.stats(new Date());
    pending.set(stats.pending);
    oldest.set(stats.oldestPendingSeconds);
    dead.set(stats.dead);
  });
  return (outcome) => attempts.labels(outcome).inc();
}
