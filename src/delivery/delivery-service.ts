import { createAbandonedDeliveries } from './abandoned-deliveries.ts';
import { type DeliveryServiceDeps, deliveryContext } from './delivery-context.ts';
import { createDeliveryConfirmation } from './delivery-confirmation.ts';
import { createDeliveryReads } from './delivery-reads.ts';
import { createDeliverySending } from './delivery-sending.ts';
import { createDeliveryTargets } from './delivery-target.ts';

export type { DeliveryServiceDeps, DeliveryStore, DeliveryTransaction } from './delivery-context.ts';
export type { DeliveryTarget } from './delivery-target.ts';

export type DeliveryService = ReturnType<typeof createDeliveryService>;

/**
 * Hands a newly issued key to the partner contact, encrypted to the partner's confirmed PGP key and signed by the
 * service. Either it arrives, or the key is revoked and the reason recorded: there is no plain-text fallback. The
 * secret lives only in this call's arguments; it is never stored, logged, audited or put in an error.
 */
export function createDeliveryService(deps: DeliveryServiceDeps) {
  const ctx = deliveryContext(deps);
  return {
    ...createDeliveryTargets(ctx),
    ...createDeliverySending(ctx),
    ...createDeliveryConfirmation(ctx),
    ...createAbandonedDeliveries(ctx),
    ...createDeliveryReads(ctx),
  };
}
