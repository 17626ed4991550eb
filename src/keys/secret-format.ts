import { crc32 } from 'node:zlib';
import { encodeBase62, randomBase62 } from './base62.ts';

/** 32 base62 characters carry 190 bits, above the 160 the design asks for. */
export const RANDOM_LENGTH = 32;
export const CHECKSUM_LENGTH = 6;

export type SecretCheck =
  | { ok: true; kind: 'current' | 'legacy' }
  | { ok: false; reason: 'empty' | 'malformed' | 'checksum' };

export interface SecretFormat {
  generate(): string;
  /** Pure: no index or database. Secrets of our own shape must carry a valid checksum. */
  check(candidate: string): SecretCheck;
}

function checksum(body: string): string {
  return encodeBase62(crc32(body), CHECKSUM_LENGTH);
}

// Imported legacy keys may have any shape; anything printable of sensible length is accepted and looked up.
const LEGACY_SHAPE = /^[\x21-\x7e]{16,128}$/;

export function createSecretFormat(prefix: string): SecretFormat {
  const marker = `${prefix}_`;
  const shape = new RegExp(`^${prefix}_[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);
  return {
    generate() {
      const body = `${marker}${randomBase62(RANDOM_LENGTH)}`;
      return body + checksum(body);
    },
    check(candidate) {
      if (candidate.length === 0) return { ok: false, reason: 'empty' };
      if (candidate.startsWith(marker)) {
        if (!shape.test(candidate)) return { ok: false, reason: 'malformed' };
        const body = candidate.slice(0, -CHECKSUM_LENGTH);
        return checksum(body) === candidate.slice(-CHECKSUM_LENGTH)
          ? { ok: true, kind: 'current' }
          : { ok: false, reason: 'checksum' };
      }
      return LEGACY_SHAPE.test(candidate) ? { ok: true, kind: 'legacy' } : { ok: false, reason: 'malformed' };
    },
  };
}

/** The non-secret hint shown in lists: the last four characters. */
export function secretHint(secret: string): string {
  return secret.slice(-4);
}
