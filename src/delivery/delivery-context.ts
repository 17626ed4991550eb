import type { AuditRepository } from '../audit/types.ts';
import type { KeyRepository } from '../keys/key-repository.ts';
import type { Logger } from '../logger.ts';
import type { PartnerPgpKeyRepository } from '../partners/partner-pgp-key.ts';
import type { PartnerRepository } from '../partners/types.ts';
import type { Clock } from '../shared/clock.ts';
import type { Transactional } from '../shared/transaction.ts';
import type { EncryptedSecret } from './encrypt.ts';
import type { DeliveryRepository, DirectMessenger } from './types.ts';

/** What closes a delivery (sent, failed, confirmed) and its audit row, in one transaction. */
export interface DeliveryTransaction {
  deliveries: Pick<DeliveryRepository, 'markSent' | 'markFailed' | 'markConfirmed'>;
  audit: Pick<AuditRepository, 'append'>;
}

/** Delivery's storage: the records it opens and reads, the key and partner it checks, and its transaction. */
export interface DeliveryStore extends Transactional<DeliveryTransaction> {
  deliveries: Pick<
    DeliveryRepository,
    'insert' | 'findById' | 'listForKey' | 'pendingBefore' | 'unconfirmedSentBefore'
  >;
  keys: Pick<KeyRepository, 'findById'>;
  partners: Pick<PartnerRepository, 'findById' | 'findByName'>;
  partnerPgpKeys: Pick<PartnerPgpKeyRepository, 'find'>;
}

export interface DeliveryServiceDeps {
  store: DeliveryStore;
  /**
   * The key lifecycle's revoke (a key whose delivery failed must never stay usable), and the undoing of the replace
   * or upgrade that made it, so the key it was to succeed is as it was before.
   */
  keys: {
    revoke(id: string, input: { actor: string; reason?: string | undefined }): Promise<unknown>;
    abandonSuccession(successorId: string, input: { actor: string; reason: string }): Promise<unknown>;
  };
  encryptor: { encryptAndSign(secret: string, recipientArmoredKey: string, now?: Date): Promise<EncryptedSecret> };
  messenger: DirectMessenger;
  /** OAUTH_ISSUER, for the token command a delivered client's text carries (unset: a placeholder). */
  oauthIssuer?: string | undefined;
  /** DELIVERY_CONFIRM_HOURS: a sent key unconfirmed for longer is flagged. */
  confirmHours: number;
  logger?: Pick<Logger, 'info' | 'warn'> | undefined;
  now?: Clock;
}

/** The injected dependencies with the clock's default applied. */
export type DeliveryContext = Omit<DeliveryServiceDeps, 'now'> & { now: Clock };

export function deliveryContext(deps: DeliveryServiceDeps): DeliveryContext {
  return { ...deps, now: deps.now ?? (() => new Date()) };
}
