import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASE62, encodeBase62 } from '../../src/shared/base62.ts';
import { CHECKSUM_LENGTH, createSecretFormat, RANDOM_LENGTH, type SecretCheck } from '../../src/keys/secret-format.ts';

/** The rule as written before /authz needed it allocation-free: shape by regex, checksum re-encoded and compared. */
function reference(prefix: string, candidate: string): SecretCheck {
  if (candidate.length === 0) return { ok: false, reason: 'empty' };
  if (candidate.startsWith(`${prefix}_`)) {
    if (!new RegExp(`^${prefix}_[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`).test(candidate))
      return { ok: false, reason: 'malformed' };
    const body = candidate.slice(0, -CHECKSUM_LENGTH);
    return encodeBase62(crc32(body), CHECKSUM_LENGTH) === candidate.slice(-CHECKSUM_LENGTH)
      ? { ok: true, kind: 'current' }
      : { ok: false, reason: 'checksum' };
  }
  return /^[\x21-\x7e]{16,128}$/.test(candidate) ? { ok: true, kind: 'legacy' } : { ok: false, reason: 'malformed' };
}

describe('secret format check (allocation-free)', () => {
  it('answers exactly as the regex-and-re-encode rule for keys, near-keys and arbitrary input', () => {
    const prefixes = ['hk', 'acme', 'z9'];
    const base62 = fc.string({ unit: fc.constantFrom(...BASE62), minLength: 30, maxLength: 46 });
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.nat(), (prefix, pick) => {
        const format = createSecretFormat(prefix);
        const real = format.generate();
        // A real key, with its checksum replaced by a near value, or one character changed (any code unit).
        const near = [
          real,
          real.slice(0, -1) + BASE62[pick % 62],
          real.slice(0, pick % real.length) + String.fromCharCode(pick % 300) + real.slice((pick % real.length) + 1),
        ];
        for (const candidate of near) expect(format.check(candidate)).toEqual(reference(prefix, candidate));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...prefixes),
        fc.oneof(base62, fc.string({ unit: 'binary', maxLength: 60 })),
        (prefix, rest) => {
          for (const candidate of [`${prefix}_${rest}`, rest])
            expect(createSecretFormat(prefix).check(candidate)).toEqual(reference(prefix, candidate));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
