import type { DeliveryOffer } from '../blocks/delivery-blocks.ts';
import type { SlackDeps } from '../deps.ts';
import { errorFieldText } from '../ui/error-text.ts';

/**
 * Whether a key for this partner can be handed over encrypted, and to which contacts; or, when the partner is close
 * (a key not yet confirmed, no contact), why not, so the admin knows what to fix. No partner: nothing to offer.
 */
export async function deliveryOffer(
  deps: SlackDeps,
  partnerId: string | null | undefined,
): Promise<DeliveryOffer | undefined> {
  if (partnerId === null || partnerId === undefined) return undefined;
  try {
    const target = await deps.delivery.target(partnerId);
    return target.ready
      ? { ready: true, contacts: target.partner.contactSlackUserIds }
      : { ready: false, reason: errorFieldText(target.refusal, deps) };
  } catch (error) {
    deps.logger.warn({ err: error, partnerId }, 'could not tell whether the partner can receive keys encrypted');
    return undefined;
  }
}
