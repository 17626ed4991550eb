import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { createHmacSha256Latin1 } from './hmac-sha256.ts';

/** HMAC-SHA256 of a secret under the pepper; `latin1` is the same digest as one-byte characters (the index's key). */
export interface SecretDigest {
  (secret: string): Buffer;
  /** The same MAC as a latin1 string, without createHmac's per-call set-up: /authz's lookup key. */
  readonly latin1: (secret: string) => string;
}

/**
 * Keys are high-entropy, so a keyed hash is enough (no slow password hash): the pepper lives outside the database,
 * so a stolen table alone cannot be used to test guesses.
 */
export function createSecretDigest(pepper: string): SecretDigest {
  // A KeyObject skips re-importing the key on every call: about a quarter faster than a raw key.
  const key = createSecretKey(Buffer.from(pepper, 'utf8'));
  const digest = (secret: string) => createHmac('sha256', key).update(secret, 'utf8').digest();
  return Object.assign(digest, { latin1: createHmacSha256Latin1(Buffer.from(pepper, 'utf8')) });
}

export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
