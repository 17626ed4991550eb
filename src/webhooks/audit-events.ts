import type { AuditRepository } from '../audit/types.ts';
import type { Clock } from '../shared/clock.ts';
import { webhookMessageOf } from './events.ts';
import type { WebhookOutboxWriter } from './types.ts';

/**
 * Every audit row that is a key, partner or approval event also becomes an outbox message, through the same
 * repositories and so in the same transaction: the message exists exactly when the change committed.
 */
export function withWebhookEvents(
  audit: AuditRepository,
  outbox: WebhookOutboxWriter,
  now: Clock = () => new Date(),
): AuditRepository {
  return {
    ...audit,
    async append(event) {
      await audit.append(event);
      const message = webhookMessageOf(event, now());
      if (message !== undefined) await outbox.enqueue([message]);
    },
    async appendMany(events) {
      await audit.appendMany(events);
      const at = now();
      await outbox.enqueue(events.flatMap((event) => webhookMessageOf(event, at) ?? []));
    },
  };
}
