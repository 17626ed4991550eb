import { AppError } from '../shared/errors.ts';

/** gpg's layout (`ABCD 1234 ... ABCD  1234 ...`): ten groups of four, a wider gap in the middle, easy to read aloud. */
export function formatFingerprint(fingerprint: string): string {
  const groups = fingerprint.toUpperCase().match(/.{1,4}/g) ?? [];
  const half = Math.ceil(groups.length / 2);
  return `${groups.slice(0, half).join(' ')}  ${groups.slice(half).join(' ')}`.trim();
}

/**
 * Accepts what people paste (spaces, lower case, a `0x` prefix) but only a full v4 fingerprint: short key ids are
 * trivially forged and must never stand in for the out-of-band check.
 */
export function normalizeFingerprint(input: string): string {
  const compact = input.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  if (/^[0-9A-F]{8}$|^[0-9A-F]{16}$/.test(compact)) {
    throw new AppError(
      'FINGERPRINT_INVALID',
      `"${input.trim()}" is a short key id: give the full 40-character fingerprint, as shown by \`gpg --fingerprint\``,
      { field: 'fingerprint', facts: { problem: 'short_key_id', given: input.trim() } },
    );
  }
  if (!/^[0-9A-F]{40}$/.test(compact)) {
    throw new AppError(
      'FINGERPRINT_INVALID',
      'A fingerprint is 40 hexadecimal characters (spaces allowed), as shown by `gpg --fingerprint`',
      { field: 'fingerprint', facts: { problem: 'malformed' } },
    );
  }
  return compact;
}
