import { crc32 } from 'node:zlib';
import { BASE62, encodeBase62, randomBase62 } from '../shared/base62.ts';

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

// The checks below run on every /authz request, so they allocate nothing: shared answers, and the checksum compared
// as a number (CRC-32 computed over the characters, the checksum characters decoded) instead of re-encoded.
const CURRENT: SecretCheck = Object.freeze({ ok: true, kind: 'current' });
const LEGACY: SecretCheck = Object.freeze({ ok: true, kind: 'legacy' });
const EMPTY: SecretCheck = Object.freeze({ ok: false, reason: 'empty' });
const MALFORMED: SecretCheck = Object.freeze({ ok: false, reason: 'malformed' });
const CHECKSUM: SecretCheck = Object.freeze({ ok: false, reason: 'checksum' });

const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c;
}

/** Base62 digit value of a character code, -1 for anything else. */
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE62.length; i++) DIGIT[BASE62.charCodeAt(i)] = i;

/** zlib's CRC-32 continued over one-byte characters (the caller has checked they are ASCII). */
function crcUpdate(crc: number, text: string, from: number, to: number): number {
  let c = ~crc;
  for (let i = from; i < to; i++) c = (CRC_TABLE[(c ^ text.charCodeAt(i)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

// Imported legacy keys may have any shape; anything printable of sensible length is accepted and looked up.
const LEGACY_SHAPE = /^[\x21-\x7e]{16,128}$/;

export function createSecretFormat(prefix: string): SecretFormat {
  const marker = `${prefix}_`;
  const length = marker.length + RANDOM_LENGTH + CHECKSUM_LENGTH;
  const markerCrc = crc32(marker);
  return {
    generate() {
      const body = `${marker}${randomBase62(RANDOM_LENGTH)}`;
      return body + checksum(body);
    },
    check(candidate) {
      if (candidate.length === 0) return EMPTY;
      if (candidate.startsWith(marker)) {
        if (candidate.length !== length) return MALFORMED;
        for (let i = marker.length; i < length; i++) {
          const code = candidate.charCodeAt(i);
          if (code > 127 || (DIGIT[code] as number) < 0) return MALFORMED;
        }
        // The checksum is the body's CRC-32 as 6 base62 digits, most significant first (see `checksum`).
        let value = 0;
        for (let i = length - CHECKSUM_LENGTH; i < length; i++)
          value = value * 62 + (DIGIT[candidate.charCodeAt(i)] as number);
        return crcUpdate(markerCrc, candidate, marker.length, length - CHECKSUM_LENGTH) === value ? CURRENT : CHECKSUM;
      }
      return LEGACY_SHAPE.test(candidate) ? LEGACY : MALFORMED;
    },
  };
}

/**
 * The pattern secret scanners (GitHub's partner program) register to find our keys in public: the prefix, the random
 * body and the checksum, all base62. Imported legacy keys have no shape of ours and cannot be found this way.
 */
export function scanningPattern(prefix: string): string {
  return `\\b${prefix}_[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}\\b`;
}

/** The type name registered with GitHub's secret scanning partner program: it comes back as `type` in reports. */
export const SECRET_SCANNING_TYPE = 'harvest_keys_api_key';

/** The non-secret hint shown in lists: the last four characters. */
export function secretHint(secret: string): string {
  return secret.slice(-4);
}
