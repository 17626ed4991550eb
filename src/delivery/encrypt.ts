import { createMessage, encrypt, enums, type PrivateKey, readKey } from 'openpgp';
import { AppError } from '../shared/errors.ts';
import { inspectPublicKey } from './inspect-public-key.ts';
import type { PgpKeyInfo } from '../partners/pgp-key-info.ts';
import type { ServiceSigningKey } from './service-key.ts';
import { verifyEachSignatureOnce } from './verify-once.ts';

export interface EncryptedSecret {
  /** `-----BEGIN PGP MESSAGE-----`: SEIPD v1 (AES-256), signed by the service key. Safe to post and log. */
  armoredMessage: string;
  recipient: PgpKeyInfo;
  /** The service key that signed it. */
  signerFingerprint: string;
  /** Its armored public key, for the partner to import. */
  signerPublicKey: string;
}

const GNUPG_ENCRYPTION_ALGORITHMS = new Set<number>([
  enums.publicKey.rsaEncryptSign,
  enums.publicKey.rsaEncrypt,
  enums.publicKey.ecdh,
]);

/**
 * The output must be what GnuPG 2.2 reads: a v3 session-key packet and SEIPD v1. openpgp silently switches to the
 * RFC 9580 packets for some recipients; inspection refuses those keys, and this check makes sure nothing slips past.
 */
function assertGnupgReadable(packets: Iterable<unknown>): void {
  for (const packet of packets) {
    const { tag } = (packet as { constructor: { tag?: number } }).constructor;
    const version = (packet as { version?: number }).version;
    if (tag === enums.packet.publicKeyEncryptedSessionKey) {
      if (version !== 3) throw notReadable(`session key packet v${version}`);
      // A v3 session key can still be for an RFC 9580 algorithm (X25519/X448 of a v6 key), which GnuPG 2.2 lacks.
      const algorithm = (packet as { publicKeyAlgorithm?: number }).publicKeyAlgorithm;
      if (algorithm === undefined || !GNUPG_ENCRYPTION_ALGORITHMS.has(algorithm))
        throw notReadable(`public-key algorithm ${algorithm}`);
    }
    if (tag === enums.packet.symEncryptedIntegrityProtectedData && version !== 1)
      throw notReadable(`SEIPD v${version}`);
    if (tag === enums.packet.aeadEncryptedData || tag === enums.packet.symmetricallyEncryptedData)
      throw notReadable(`packet ${tag}`);
  }
}

function notReadable(what: string): AppError {
  return new AppError(
    'PGP_KEY_RFC9580',
    `Encrypting to this key produced a format GnuPG 2.2 / 2.4 cannot read (${what}); nothing was sent.`,
    { facts: { problem: 'encrypted_format' } },
  );
}

/**
 * Encrypts `secret` to the recipient key, optionally signed. Errors never carry the secret: openpgp's own messages
 * are kept only as the cause.
 */
export async function encryptSecret(
  secret: string,
  recipient: PgpKeyInfo,
  signingKey: PrivateKey | undefined,
): Promise<string> {
  try {
    const encryptionKey = await readKey({ armoredKey: recipient.armored });
    // The key was inspected (and its shape bounded) just before; encrypting asks openpgp the same questions again.
    verifyEachSignatureOnce(encryptionKey);
    const message = await encrypt({
      message: await createMessage({ binary: new TextEncoder().encode(secret), format: 'binary' }),
      encryptionKeys: encryptionKey,
      ...(signingKey === undefined ? {} : { signingKeys: signingKey }),
      format: 'object',
    });
    assertGnupgReadable(message.packets);
    return message.armor();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('DELIVERY_FAILED', `Could not encrypt to key ${recipient.formattedFingerprint}`, {
      cause: error,
      facts: { fingerprint: recipient.fingerprint },
    });
  }
}

export type PgpEncryptor = ReturnType<typeof createPgpEncryptor>;

/** Encrypt-and-sign with the service key, re-checking the recipient key at the moment of use (it may have expired). */
export function createPgpEncryptor(serviceKey: { get(): Promise<ServiceSigningKey> }) {
  return {
    async encryptAndSign(
      secret: string,
      recipientArmoredKey: string,
      now: Date = new Date(),
    ): Promise<EncryptedSecret> {
      const recipient = await inspectPublicKey(recipientArmoredKey, now);
      const { privateKey, fingerprint, publicArmored } = await serviceKey.get();
      return {
        armoredMessage: await encryptSecret(secret, recipient, privateKey),
        recipient,
        signerFingerprint: fingerprint,
        signerPublicKey: publicArmored,
      };
    },
  };
}
