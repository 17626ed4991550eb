import type { Config } from '../config.ts';
import type { DbClient } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { AppError } from '../shared/errors.ts';
import type { WebhookDeliverer, WebhookDelivererOptions } from '../webhooks/deliverer.ts';
import { parseWebhookSecret } from '../webhooks/signature.ts';

/** Bounds one attempt; the deliverer's lease (60 s) is longer, so no other instance sends a message meanwhile. */
const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * The webhook deliverer over `db`, counted on `metrics` when given. Tests build several (instances sharing one
 * database) and move their clock or shorten their waits through `tuning`.
 */
export async function createWebhookDelivery(
  webhooks: NonNullable<Config['webhooks']>,
  db: DbClient,
  logger: Logger,
  options: {
    metrics?: Metrics | undefined;
    timeoutMs?: number;
    tuning?: Omit<WebhookDelivererOptions, 'outbox' | 'sender' | 'logger'>;
  } = {},
): Promise<WebhookDeliverer> {
  const key = parseWebhookSecret(webhooks.secret);
  // loadConfig refuses such a secret; this guards a Config built by hand.
  if (key === undefined) throw new AppError('CONFIG_INVALID', 'WEBHOOK_SECRET is not a whsec_… secret');
  // Loaded by the server only: a CLI run writes events but never sends them (nor loads the metrics library).
  const [{ createWebhookOutbox }, { createWebhookDeliverer }, { createHttpWebhookSender }, metricsModule] =
    await Promise.all([
      import('../db/repositories/webhook-outbox-repository.ts'),
      import('../webhooks/deliverer.ts'),
      import('../webhooks/http-sender.ts'),
      options.metrics === undefined ? undefined : import('../observability/webhook-metrics.ts'),
    ]);
  const outbox = createWebhookOutbox(db.db);
  return createWebhookDeliverer({
    outbox,
    sender: createHttpWebhookSender({ url: webhooks.url, key, timeoutMs: options.timeoutMs ?? WEBHOOK_TIMEOUT_MS }),
    logger: logger.child({ component: 'webhooks' }),
    ...(options.metrics === undefined || metricsModule === undefined
      ? {}
      : { onAttempt: metricsModule.observeWebhooks(options.metrics, outbox) }),
    ...options.tuning,
  });
}
