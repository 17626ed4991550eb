import type { ApiKey } from '../keys/types.ts';
import type { Partner } from '../partners/types.ts';

/**
 * The port the Slack side implements: open a DM with the partner contact (Slack Connect users included) and post the
 * armored message (code block, `.asc` file beside the service's public key, both fingerprints, the
 * `gpg --import` and `gpg --decrypt` commands, and an "I have stored the API Key" button carrying `deliveryId`). Only ciphertext crosses it.
 *
 * On failure, reject with a `MessengerError` whose `reason` is the platform's code (e.g. `user_not_found`,
 * `invalid_user_combination`, `ratelimited`): it is recorded and shown to the admin. Retries belong inside the
 * implementation; a rejection is final for this delivery.
 */
export interface DirectMessenger {
  sendEncryptedKey(input: EncryptedKeyMessage): Promise<{ channelId: string; messageTs: string }>;
}

export interface EncryptedKeyMessage {
  /** Recorded before sending, so the partner's confirmation button can name it. */
  deliveryId: string;
  contactSlackUserId: string;
  armoredMessage: string;
  /** Full 40-hex fingerprint of the partner key the message is encrypted to. */
  recipientFingerprint: string;
  /** The same in groups of four, for display. */
  recipientFingerprintFormatted: string;
  /** Fingerprint of the service key that signed it, so the partner can check the signature. */
  signerFingerprint: string;
  /** The service's armored public key (what `/pgp/service.asc` serves): sent along so gpg can check the signature. */
  signerPublicKey: string;
  keyId: ApiKey['id'];
  /** A Harvest v3 client's public id (the message then holds its id and secret, not a key); null for a key. */
  clientId: ApiKey['clientId'];
  description: ApiKey['description'];
  partnerName: Partner['name'];
}

/** What a messenger throws when Slack (or whatever carries the message) refuses it. */
export class MessengerError extends Error {
  override readonly name = 'MessengerError';
  /** A short machine code, e.g. Slack's `user_not_found`. Never contains message content. */
  readonly reason: string;

  constructor(reason: string, message?: string, options?: { cause?: unknown }) {
    super(message ?? reason, options);
    this.reason = reason;
  }
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'confirmed';

export interface Delivery {
  id: string;
  keyId: string;
  partnerId: string;
  contactSlackUserId: string | null;
  recipientFingerprint: string | null;
  status: DeliveryStatus;
  /** Set on failure: a stable code (`user_not_found`, `PGP_KEY_UNCONFIRMED`, ...) and a readable reason. */
  errorCode: string | null;
  errorMessage: string | null;
  channelId: string | null;
  messageTs: string | null;
  /** The admin who created the key: told when the partner confirms. */
  createdBy: string;
  createdAt: Date;
  sentAt: Date | null;
  failedAt: Date | null;
  confirmedAt: Date | null;
  confirmedBy: string | null;
}

export interface NewDelivery {
  id: string;
  keyId: string;
  partnerId: string;
  contactSlackUserId: string | null;
  recipientFingerprint: string | null;
  createdBy: string;
  createdAt: Date;
}

export interface DeliveryRepository {
  insert(record: NewDelivery): Promise<void>;
  /** Only a `pending` delivery changes; false when it was already closed (e.g. as abandoned). */
  markSent(id: string, sent: { channelId: string; messageTs: string; at: Date }): Promise<boolean>;
  markFailed(id: string, failure: { code: string; message: string; at: Date }): Promise<void>;
  /** Only a `sent` delivery changes; false otherwise. */
  markConfirmed(id: string, by: string, at: Date): Promise<boolean>;
  findById(id: string): Promise<Delivery | undefined>;
  listForKey(keyId: string): Promise<Delivery[]>;
  /** Deliveries still `pending` that were started before `before`. */
  pendingBefore(before: Date): Promise<Delivery[]>;
  /** `sent` (not confirmed) deliveries sent before `before`, oldest first. */
  unconfirmedSentBefore(before: Date): Promise<Delivery[]>;
}
