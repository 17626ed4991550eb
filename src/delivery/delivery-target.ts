import type { PartnerPgpKey } from '../partners/partner-pgp-key.ts';
import { formatFingerprint } from '../partners/fingerprint.ts';
import type { Partner } from '../partners/types.ts';
import { AppError, type ErrorCode, type ErrorFacts } from '../shared/errors.ts';
import type { DeliveryContext } from './delivery-context.ts';

export type DeliveryTarget =
  | { ready: true; partner: Partner; contactSlackUserId: string; fingerprint: string; formattedFingerprint: string }
  | {
      ready: false;
      partner: Partner;
      code: ErrorCode;
      /** The refusal's plain sentence, as recorded on a failed delivery. */
      reason: string;
      /** The refusal itself, for a surface to put in its own words. */
      refusal: AppError;
    };

export function deliveryReadiness(
  partner: Partner,
  pgpKey: PartnerPgpKey | undefined,
  contact: string | undefined,
  at: Date,
): DeliveryTarget {
  const refuse = (code: ErrorCode, reason: string, facts: ErrorFacts): DeliveryTarget => {
    const refusal = new AppError(code, reason, { facts: { partner: partner.name, ...facts } });
    return { ready: false, partner, code, reason, refusal };
  };
  if (pgpKey === undefined)
    return refuse(
      'PGP_KEY_MISSING',
      `Partner "${partner.name}" has no PGP key: add one and confirm its fingerprint first`,
      {},
    );
  if (pgpKey.confirmedFingerprint !== pgpKey.fingerprint) {
    return refuse(
      'PGP_KEY_UNCONFIRMED',
      `Partner "${partner.name}"'s PGP key ${formatFingerprint(pgpKey.fingerprint)} is not confirmed: check the fingerprint with the partner and confirm it first`,
      { fingerprint: pgpKey.fingerprint },
    );
  }
  if (pgpKey.expiresAt !== null && pgpKey.expiresAt <= at) {
    return refuse(
      'PGP_KEY_EXPIRED',
      `Partner "${partner.name}"'s PGP key expired on ${pgpKey.expiresAt.toISOString().slice(0, 10)}: ask them for an extended key`,
      { fingerprint: pgpKey.fingerprint, expiredOn: pgpKey.expiresAt.toISOString().slice(0, 10) },
    );
  }
  const recipient = contact ?? partner.contactSlackUserIds[0];
  if (recipient === undefined)
    return refuse('DELIVERY_REFUSED', `Partner "${partner.name}" has no contact to send the key to: add one first`, {
      problem: 'no_contact',
    });
  if (!partner.contactSlackUserIds.includes(recipient)) {
    return refuse(
      'DELIVERY_REFUSED',
      `${recipient} is not a contact of partner "${partner.name}": keys go only to the partner's contacts`,
      { problem: 'not_a_contact', contact: recipient },
    );
  }
  return {
    ready: true,
    partner,
    contactSlackUserId: recipient,
    fingerprint: pgpKey.fingerprint,
    formattedFingerprint: formatFingerprint(pgpKey.fingerprint),
  };
}

export function createDeliveryTargets(ctx: DeliveryContext) {
  const { store, now } = ctx;
  return {
    /** Whether (and to whom) a key for this partner can be delivered; the create dialog offers delivery only when ready. */
    async target(partnerNameOrId: string, contactSlackUserId?: string): Promise<DeliveryTarget> {
      const partner =
        (await store.partners.findByName(partnerNameOrId)) ?? (await store.partners.findById(partnerNameOrId));
      if (partner === undefined) {
        throw new AppError('UNKNOWN_PARTNER', `No partner named "${partnerNameOrId}"`, {
          facts: { partner: partnerNameOrId },
        });
      }
      return deliveryReadiness(partner, await store.partnerPgpKeys.find(partner.id), contactSlackUserId, now());
    },
  };
}
