import type { DeliveryContext } from './delivery-context.ts';
import { failDelivery } from './delivery-failure.ts';
import { DELIVERY_ACTOR } from './failed-delivery.ts';

export function createAbandonedDeliveries(ctx: DeliveryContext) {
  const { store, now } = ctx;
  return {
    /**
     * Deliveries left `pending` for longer than `olderThanMinutes` mean a process stopped between issuing and sending:
     * whether the DM went out is unknown, so the key is revoked and the delivery marked failed (`abandoned`). For a
     * periodic sweep; returns the deliveries it closed.
     */
    async closeAbandoned(olderThanMinutes = 15): Promise<string[]> {
      const stale = await store.deliveries.pendingBefore(new Date(now().getTime() - olderThanMinutes * 60_000));
      for (const delivery of stale) {
        await failDelivery(ctx, {
          deliveryId: delivery.id,
          keyId: delivery.keyId,
          partnerId: delivery.partnerId,
          actor: DELIVERY_ACTOR,
          contact: delivery.contactSlackUserId,
          fingerprint: delivery.recipientFingerprint,
          code: 'abandoned',
          reason: `still pending after ${olderThanMinutes} minutes (the sending process stopped); the key was revoked to be safe`,
        });
      }
      return stale.map((delivery) => delivery.id);
    },
  };
}
