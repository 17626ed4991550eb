import { deliveredPlaintext } from '../keys/client-credentials.ts';
import { keyState } from '../keys/key-state.ts';
import type { IssuedKey } from '../keys/types.ts';
import type { PartnerPgpKey } from '../partners/partner-pgp-key.ts';
import { AppError, type ErrorCode, isAppError } from '../shared/errors.ts';
import type { DeliveryContext } from './delivery-context.ts';
import { failDelivery } from './delivery-failure.ts';
import { newDeliveryId } from './delivery-id.ts';
import { requireDelivery } from './delivery-reads.ts';
import { deliveryReadiness } from './delivery-target.ts';
import { DELIVERY_ACTOR, NO_PARTNER_REASON } from './failed-delivery.ts';
import { type Delivery, MessengerError } from './types.ts';

const MAX_REASON = 500;
/** Refusals keep their own code for the caller; messenger failures become DELIVERY_FAILED. */
const REFUSAL_CODES: readonly ErrorCode[] = [
  'PGP_KEY_MISSING',
  'PGP_KEY_UNCONFIRMED',
  'PGP_KEY_EXPIRED',
  'DELIVERY_REFUSED',
  'PGP_FINGERPRINT_MISMATCH',
  'KEY_REVOKED',
];

/** Stops a delivery before anything is sent; carries the code the caller shows. */
class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function createDeliverySending(ctx: DeliveryContext) {
  const { store, messenger, encryptor, logger, now } = ctx;
  return {
    /**
     * Delivers a key just issued by the key service to its partner's contact (the first contact unless one is named).
     * Resolves with the `sent` delivery. Any failure, before or during sending, revokes the key, records why, and
     * rejects with an AppError whose message says where it failed and that the key was revoked.
     */
    async deliver(input: {
      issued: IssuedKey;
      actor: string;
      contactSlackUserId?: string | undefined;
    }): Promise<Delivery> {
      const { key } = input.issued;
      const partner = key.partnerId === null ? undefined : await store.partners.findById(key.partnerId);
      if (partner === undefined) {
        await ctx.keys.revoke(key.id, { actor: DELIVERY_ACTOR, reason: NO_PARTNER_REASON });
        throw new AppError('DELIVERY_REFUSED', `Key ${key.id} has no partner to deliver to; it was revoked`, {
          facts: { problem: 'no_partner', keyId: key.id, revoked: true },
        });
      }
      const startedAt = now();
      const pgpKey = await store.partnerPgpKeys.find(partner.id);
      const target = deliveryReadiness(partner, pgpKey, input.contactSlackUserId, startedAt);
      const deliveryId = newDeliveryId();
      await store.deliveries.insert({
        id: deliveryId,
        keyId: key.id,
        partnerId: partner.id,
        contactSlackUserId: target.ready
          ? target.contactSlackUserId
          : (input.contactSlackUserId ?? partner.contactSlackUserIds[0] ?? null),
        recipientFingerprint: pgpKey?.fingerprint ?? null,
        createdBy: input.actor,
        createdAt: startedAt,
      });

      let sent: { channelId: string; messageTs: string };
      let signer: string;
      try {
        if (!target.ready) throw target.refusal;
        // Revoked or replaced since it was issued: a key that stops working is not worth sending.
        const current = await store.keys.findById(key.id);
        if (current === undefined || keyState(current, startedAt).kind !== 'active') {
          throw new Refusal('KEY_REVOKED', `Key ${key.id} is no longer active`);
        }
        const encrypted = await encryptor.encryptAndSign(
          deliveredPlaintext({ ...key, partnerName: partner.name }, input.issued.secret, ctx.oauthIssuer),
          (pgpKey as PartnerPgpKey).armoredPublicKey,
          startedAt,
        );
        // The stored key was confirmed by fingerprint; the bytes encrypted to must still be that key.
        if (encrypted.recipient.fingerprint !== target.fingerprint) {
          throw new Refusal(
            'PGP_FINGERPRINT_MISMATCH',
            'The stored partner key no longer matches its confirmed fingerprint',
          );
        }
        signer = encrypted.signerFingerprint;
        try {
          sent = await messenger.sendEncryptedKey({
            deliveryId,
            contactSlackUserId: target.contactSlackUserId,
            armoredMessage: encrypted.armoredMessage,
            recipientFingerprint: target.fingerprint,
            recipientFingerprintFormatted: target.formattedFingerprint,
            signerFingerprint: signer,
            signerPublicKey: encrypted.signerPublicKey,
            keyId: key.id,
            clientId: key.clientId,
            description: key.description,
            partnerName: partner.name,
          });
        } catch (error) {
          if (error instanceof MessengerError) throw new Refusal(error.reason, error.message);
          throw new Refusal('messenger_error', error instanceof Error ? error.message : String(error));
        }
      } catch (error) {
        const code = error instanceof Refusal ? error.code : isAppError(error) ? error.code : 'encryption_failed';
        const reason = (error instanceof Error ? error.message : String(error)).slice(0, MAX_REASON);
        const contact = target.ready ? target.contactSlackUserId : null;
        const revoked = await failDelivery(ctx, {
          deliveryId,
          keyId: key.id,
          partnerId: partner.id,
          actor: input.actor,
          contact,
          fingerprint: pgpKey?.fingerprint ?? null,
          code,
          reason,
          error,
        });
        const to = contact === null ? `partner "${partner.name}"` : `contact ${contact} of partner "${partner.name}"`;
        throw new AppError(
          isAppError(error) ? error.code : (REFUSAL_CODES.find((c) => c === code) ?? 'DELIVERY_FAILED'),
          `Key ${key.id} could not be delivered to ${to}: ${reason} (${code}). ` +
            (revoked
              ? 'The key was revoked so it can never be used, and nothing was sent in plain text. Fix the cause, then create or replace the key again.'
              : `Nothing was sent in plain text, but revoking the key FAILED: revoke ${key.id} now.`),
          {
            details: [deliveryId],
            cause: error,
            // `deliveryId` marks a failed delivery: whatever the code, the surfaces word it as one (`cause` says why).
            facts: {
              deliveryId,
              keyId: key.id,
              partner: partner.name,
              contact: contact ?? undefined,
              failure: code,
              reason,
              revoked,
            },
          },
        );
      }

      const at = now();
      const recorded = await store.transaction(async (repos) => {
        const marked = await repos.deliveries.markSent(deliveryId, { ...sent, at });
        await repos.audit.append({
          actor: input.actor,
          action: 'key.delivered',
          keyId: key.id,
          partnerId: partner.id,
          details: {
            deliveryId,
            contact: target.contactSlackUserId,
            fingerprint: target.fingerprint,
            signer,
            channelId: sent.channelId,
            messageTs: sent.messageTs,
            ...(marked ? {} : { afterAbandoned: true }),
          },
        });
        return marked;
      });
      if (!recorded) {
        // The send outlived closeAbandoned: the message went out, but its key was already revoked.
        throw new AppError(
          'DELIVERY_FAILED',
          `Key ${key.id} reached contact ${target.contactSlackUserId} of partner "${partner.name}" only after the delivery was given up, so the key had already been revoked: create or replace it again.`,
          {
            details: [deliveryId],
            facts: {
              deliveryId,
              keyId: key.id,
              partner: partner.name,
              contact: target.contactSlackUserId,
              failure: 'too_late',
              revoked: true,
            },
          },
        );
      }
      logger?.info(
        {
          deliveryId,
          keyId: key.id,
          partnerId: partner.id,
          contact: target.contactSlackUserId,
          fingerprint: target.fingerprint,
        },
        'key delivered encrypted',
      );
      return requireDelivery(ctx, deliveryId);
    },
  };
}
