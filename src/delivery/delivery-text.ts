import { formatFingerprint } from '../partners/fingerprint.ts';
import type { EncryptedKeyMessage } from './types.ts';

/** Name of the attached file: what the partner saves and decrypts. */
export const deliveryFileName = (keyId: string): string => `harvest-api-key-${keyId}.asc`;

/** Name of the service's public key attached beside it (the same file `/pgp/service.asc` serves). */
export const SERVICE_KEY_FILE_NAME = 'harvest-keys-service.asc';

/** The two commands a partner runs: import the service key that signed the message, then decrypt it. */
export function deliveryCommands(keyId: string): [importCommand: string, decryptCommand: string] {
  return [`gpg --import ${SERVICE_KEY_FILE_NAME}`, `gpg --decrypt ${deliveryFileName(keyId)}`];
}

/**
 * Plain-text lines for the partner's DM, beside the armored block: where the key is from, what it is encrypted to, who
 * signed it, and the one command to read it. Surface code adds its own formatting (code block, button).
 */
export function deliveryInstructions(message: EncryptedKeyMessage): string[] {
  return [
    message.clientId === null
      ? `A new API key for ${message.partnerName}: "${message.description}" (${message.keyId}).`
      : `New Harvest v3 (OAuth) client credentials for ${message.partnerName}: "${message.description}" (client id ${message.clientId}); the message holds the client id and secret and how to get an access token.`,
    `Encrypted to your PGP key ${message.recipientFingerprintFormatted}, signed by ${formatFingerprint(message.signerFingerprint)}.`,
    `Save it as ${deliveryFileName(message.keyId)} and the signing key as ${SERVICE_KEY_FILE_NAME}, then run:`,
    ...deliveryCommands(message.keyId),
    'Check that gpg reports a good signature from that fingerprint, store the key, then confirm below.',
  ];
}
