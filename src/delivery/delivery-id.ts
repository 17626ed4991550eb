import { randomBase62 } from '../shared/base62.ts';

/** Public: it travels in the partner's confirmation button. */
export const newDeliveryId = (): string => `dlv_${randomBase62(12)}`;
