import type { DeliveryService } from '../delivery/delivery-service.ts';
import { isAppError } from '../shared/errors.ts';
import type { Metrics } from './metrics.ts';

/** Counts deliveries by outcome from what the delivery service reports; the service itself knows nothing of metrics. */
export function countDeliveries(delivery: DeliveryService, metrics: Metrics): DeliveryService {
  return {
    ...delivery,
    async deliver(input) {
      try {
        const sent = await delivery.deliver(input);
        metrics.delivery('sent');
        return sent;
      } catch (error) {
        metrics.delivery('failed', isAppError(error) ? error.code : 'error');
        throw error;
      }
    },
    async confirmStored(deliveryId, slackUserId) {
      const result = await delivery.confirmStored(deliveryId, slackUserId);
      if (result.changed) metrics.delivery('confirmed');
      return result;
    },
    async closeAbandoned(olderThanMinutes) {
      const ids = await delivery.closeAbandoned(olderThanMinutes);
      for (const _ of ids) metrics.delivery('abandoned');
      return ids;
    },
  };
}
