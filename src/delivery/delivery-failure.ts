import type { DeliveryContext } from './delivery-context.ts';
import { DELIVERY_ACTOR, failedDeliveryReason } from './failed-delivery.ts';

/** A delivery that did not (or may not have) reached its contact: what to revoke, and what to record. */
export interface DeliveryFailure {
  deliveryId: string;
  keyId: string;
  partnerId: string;
  actor: string;
  contact: string | null;
  fingerprint: string | null;
  code: string;
  reason: string;
  error?: unknown;
}

/**
 * Revokes the key (a failure must never leave a usable key behind), then records and audits why. Returns whether the
 * revocation worked; if it did not, the failure is still recorded and the caller is told to revoke by hand.
 */
export async function failDelivery(ctx: DeliveryContext, failure: DeliveryFailure): Promise<boolean> {
  const { store, logger, now } = ctx;
  const { deliveryId, keyId, code, reason } = failure;
  let revoked = true;
  try {
    await ctx.keys.revoke(keyId, { actor: DELIVERY_ACTOR, reason: failedDeliveryReason(deliveryId, code) });
  } catch (error) {
    revoked = false;
    logger?.warn({ deliveryId, keyId, err: error }, 'revoking the key of a failed delivery failed: revoke it by hand');
  }
  if (revoked) {
    // A replacement nobody received must not end the key the partner still uses, nor block replacing it again.
    try {
      await ctx.keys.abandonSuccession(keyId, {
        actor: DELIVERY_ACTOR,
        reason: `${keyId} was not handed over: ${failedDeliveryReason(deliveryId, code)}`,
      });
    } catch (error) {
      logger?.warn({ deliveryId, keyId, err: error }, 'could not undo the replace of a failed delivery');
    }
  }
  await store.transaction(async (repos) => {
    await repos.deliveries.markFailed(deliveryId, { code, message: reason, at: now() });
    await repos.audit.append({
      actor: failure.actor,
      action: 'key.delivery_failed',
      keyId,
      partnerId: failure.partnerId,
      details: {
        deliveryId,
        contact: failure.contact,
        fingerprint: failure.fingerprint,
        code,
        reason,
        keyRevoked: revoked,
      },
    });
  });
  logger?.warn(
    { deliveryId, keyId, partnerId: failure.partnerId, contact: failure.contact, code, err: failure.error },
    revoked ? 'key delivery failed; key revoked' : 'key delivery failed; key NOT revoked',
  );
  return revoked;
}
