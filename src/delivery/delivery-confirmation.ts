import { AppError } from '../shared/errors.ts';
import type { DeliveryContext } from './delivery-context.ts';
import { requireDelivery } from './delivery-reads.ts';
import type { Delivery } from './types.ts';

export function createDeliveryConfirmation(ctx: DeliveryContext) {
  const { store, now } = ctx;
  return {
    /**
     * The partner's "I have stored the API Key": only the contact it was sent to may confirm. Resolves with the
     * delivery (its `createdBy` is the admin to tell) and whether this click changed it.
     */
    async confirmStored(deliveryId: string, slackUserId: string): Promise<{ delivery: Delivery; changed: boolean }> {
      const delivery = await requireDelivery(ctx, deliveryId);
      if (delivery.contactSlackUserId !== slackUserId) {
        throw new AppError('FORBIDDEN', 'Only the partner contact this key was sent to can confirm it was stored', {
          facts: { need: 'delivery_contact' },
        });
      }
      if (delivery.status === 'confirmed') return { delivery, changed: false };
      if (delivery.status !== 'sent') {
        throw new AppError(
          'DELIVERY_NOT_SENT',
          `This delivery ${delivery.status === 'failed' ? 'failed' : 'is not complete'}: there is nothing to confirm`,
          { facts: { deliveryId, status: delivery.status } },
        );
      }
      const changed = await store.transaction(async (repos) => {
        if (!(await repos.deliveries.markConfirmed(deliveryId, slackUserId, now()))) return false;
        await repos.audit.append({
          actor: slackUserId,
          action: 'key.delivery_confirmed',
          keyId: delivery.keyId,
          partnerId: delivery.partnerId,
          details: { deliveryId, fingerprint: delivery.recipientFingerprint },
        });
        return true;
      });
      return { delivery: await requireDelivery(ctx, deliveryId), changed };
    },

    /** Sent keys the partner has not confirmed within DELIVERY_CONFIRM_HOURS, oldest first (flagged on App Home). */
    async unconfirmed(): Promise<Delivery[]> {
      return store.deliveries.unconfirmedSentBefore(new Date(now().getTime() - ctx.confirmHours * 3600_000));
    },
  };
}
