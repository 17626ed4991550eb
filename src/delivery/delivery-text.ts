import { formatFingerprint } from '../partners/fingerprint.ts';
import type { EncryptedKeyMessage } from './types.ts';

/** Name of the attached file: what the partner saves and decrypts. */
export const deliveryFileName = (keyId: string): string => `harvest-api-key-${keyId}.asc`;

/**
 * Plain-text lines for the partner's DM, beside the armored block: where the key is from, what it is encrypted to, who
 * signed it, and the one command to read it. Surface code adds its own formatting (code block, button).
 */
export function deliveryInstructions(message: EncryptedKeyMessage): string[] {
  return [
    `A new API key for ${message.partnerName}: "${message.description}" (${message.keyId}).`,
    `Encrypted to your PGP key ${message.recipientFingerprintFormatted}, signed by ${formatFingerprint(message.signerFingerprint)}.`,
    `Save it as ${deliveryFileName(message.keyId)} and run: gpg --decrypt ${deliveryFileName(message.keyId)}`,
    'Check that gpg reports a good signature from that fingerprint, store the key, then confirm below.',
  ];
}
