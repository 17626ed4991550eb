import { describe, expect, it } from 'vitest';
import { BASE62 } from '../../src/shared/base62.ts';
import { createSecretDigest, digestsEqual } from '../../src/keys/secret-digest.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CHECKSUM_LENGTH,
  RANDOM_LENGTH,
  SECRET_SCANNING_TYPE,
  createSecretFormat,
  scanningPattern,
  secretHint,
} from '../../src/keys/secret-format.ts';

const format = createSecretFormat('hk');

describe('secret format', () => {
  it('generates prefixed base62 secrets with at least 160 random bits', () => {
    const secret = format.generate();
    expect(secret).toMatch(/^hk_[0-9A-Za-z]{38}$/);
    expect(RANDOM_LENGTH * Math.log2(62)).toBeGreaterThanOrEqual(160);
    expect(format.check(secret)).toEqual({ ok: true, kind: 'current' });
  });

  it('is found by the secret scanning pattern the README tells GitHub, in text, and nothing else of ours is', () => {
    const pattern = new RegExp(scanningPattern('hk'), 'g');
    const secrets = Array.from({ length: 200 }, () => format.generate());
    const text = secrets.map((s) => `HARVEST_KEY=${s}\n"${s}",`).join(' ');
    expect([...text.matchAll(pattern)].map((m) => m[0])).toEqual(secrets.flatMap((s) => [s, s]));
    expect(`hk_${'a'.repeat(RANDOM_LENGTH + CHECKSUM_LENGTH + 1)}`).not.toMatch(new RegExp(scanningPattern('hk')));
    expect(`xhk_${secrets[0]?.slice(3)}`).not.toMatch(new RegExp(scanningPattern('hk')));
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(`| regular expression | \`${scanningPattern('hk')}\``);
    expect(readme).toContain(`| secret type name | \`${SECRET_SCANNING_TYPE}\` |`);
  });

  it('never repeats and uses the whole alphabet', () => {
    const secrets = Array.from({ length: 2000 }, () => format.generate());
    expect(new Set(secrets).size).toBe(secrets.length);
    const seen = new Set(secrets.flatMap((s) => [...s.slice(3, 3 + RANDOM_LENGTH)]));
    expect(seen.size).toBe(BASE62.length);
  });

  it('catches every single-character typo through the checksum', () => {
    const secret = format.generate();
    for (let i = 3; i < secret.length; i++) {
      const replacement = secret[i] === 'a' ? 'b' : 'a';
      const typo = secret.slice(0, i) + replacement + secret.slice(i + 1);
      expect(format.check(typo)).toEqual({ ok: false, reason: 'checksum' });
    }
  });

  it('refuses empty and malformed keys, and accepts other shapes as legacy keys to look up', () => {
    expect(format.check('')).toEqual({ ok: false, reason: 'empty' });
    expect(format.check('hk_short')).toEqual({ ok: false, reason: 'malformed' });
    expect(format.check(`hk_${'!'.repeat(RANDOM_LENGTH + CHECKSUM_LENGTH)}`)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(format.check('tooshort')).toEqual({ ok: false, reason: 'malformed' });
    expect(format.check('0123456789abcdef0123456789abcdef')).toEqual({ ok: true, kind: 'legacy' });
    expect(format.check('has space in it 0123456789')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('honours a configured prefix', () => {
    const other = createSecretFormat('acme');
    const secret = other.generate();
    expect(secret.startsWith('acme_')).toBe(true);
    expect(other.check(secret).ok).toBe(true);
    expect(format.check(secret)).toEqual({ ok: true, kind: 'legacy' });
  });

  it('hints with the last four characters only', () => {
    expect(secretHint('hk_abcdefWXYZ')).toBe('WXYZ');
  });
});

describe('secret digest', () => {
  it('is a keyed HMAC: same pepper same digest, other pepper other digest, never the secret itself', () => {
    const secret = format.generate();
    const a = createSecretDigest('pepper-one-0123456789abcdefghijklmnop');
    const b = createSecretDigest('pepper-two-0123456789abcdefghijklmnop');
    expect(digestsEqual(a(secret), a(secret))).toBe(true);
    expect(digestsEqual(a(secret), b(secret))).toBe(false);
    expect(a(secret)).toHaveLength(32);
    expect(a(secret).toString('hex')).not.toContain(secret);
    expect(digestsEqual(a(secret), a(secret).subarray(0, 16))).toBe(false);
  });
});
