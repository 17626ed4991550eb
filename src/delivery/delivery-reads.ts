import { AppError } from '../shared/errors.ts';
import type { DeliveryContext } from './delivery-context.ts';
import type { Delivery } from './types.ts';

export async function requireDelivery(ctx: Pick<DeliveryContext, 'store'>, id: string): Promise<Delivery> {
  const delivery = await ctx.store.deliveries.findById(id);
  if (delivery === undefined) {
    throw new AppError('DELIVERY_NOT_FOUND', `No delivery with id ${id}`, { facts: { deliveryId: id } });
  }
  return delivery;
}

/** One delivery by id, and a key's deliveries. */
export function createDeliveryReads(ctx: DeliveryContext) {
  return {
    get: (id: string) => requireDelivery(ctx, id),
    forKey: (keyId: string) => ctx.store.deliveries.listForKey(keyId),
  };
}
