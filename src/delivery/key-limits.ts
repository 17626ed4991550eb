import type { Key, Subkey } from 'openpgp';
import { AppError } from '../shared/errors.ts';
import { selfSignaturesOf } from './verify-once.ts';

/**
 * Bounds on the work a partner key can cause. Checking a key verifies self-signatures (once per user ID, subkey and
 * revocation, several times over per inspection), and every delivery inspects the stored key again, so a key's shape
 * must be judged before any signature is checked. A normal RSA-4096 key with a few user IDs is 2–10 KB with 2–6
 * signatures; the limits leave room for years of subkey rotation and a photo ID, and a key past them is a mistake
 * (`gpg --export-options export-minimal` fixes most) or an attack.
 */
export const KEY_LIMITS = {
  /** Decoded packets. 64 KiB: six times a large RSA-4096 key with several user IDs and a small photo ID. */
  bytes: 64 * 1024,
  /** Pasted text: the armor of `bytes` (4/3) plus indentation and text around it. */
  textChars: 128 * 1024,
  subkeys: 16,
  /** User IDs and photo IDs (user attributes) together: each costs a signature check. */
  userPackets: 16,
  /** On any one key, user ID, photo ID or subkey: self-signatures, revocations and third-party certifications. */
  signaturesPerPacket: 16,
  signatures: 64,
  /**
   * Signatures made by the primary key (the ones openpgp verifies), by its algorithm: ECDSA on P-384, P-521, Brainpool
   * and secp256k1 runs in JavaScript at ~10–20 ms a check; Ed25519 and P-256 ~4–5 ms; RSA under 1 ms.
   */
  selfSignatures: { slowCurve: 6, fastCurve: 24, rsa: 64 },
  /** RSA modulus, DSA / ElGamal prime: verification cost grows with the cube of the size. */
  modulusBits: 4096,
  /** RSA public exponent: verification cost grows linearly with its size; everyone uses 65537 (17 bits). */
  exponentBits: 32,
} as const;

const MINIMAL_HINT =
  'ask the partner for a minimal export (`gpg --armor --export-options export-minimal --export <their email>`)';

function limit(rule: string, advice: string = MINIMAL_HINT): AppError {
  return new AppError('PGP_KEY_LIMIT', `This key is refused by the rule "${rule}": ${advice}.`, {
    field: 'pgp',
    facts: { rule },
  });
}

const kib = (bytes: number) => `${Math.ceil(bytes / 1024)} KB`;

/** Before decoding: the pasted text is a size that a key within the byte limit could have. */
export function assertTextWithinLimits(text: string): void {
  if (text.length > KEY_LIMITS.textChars) {
    throw limit(
      `at most ${kib(KEY_LIMITS.textChars)} of text (this is ${kib(text.length)})`,
      `paste only the key block, or ${MINIMAL_HINT}`,
    );
  }
}

/** After decoding, before parsing. */
export function assertBytesWithinLimits(bytes: number): void {
  if (bytes > KEY_LIMITS.bytes) throw limit(`at most ${kib(KEY_LIMITS.bytes)} per key (this one is ${kib(bytes)})`);
}

function bitLength(value: Uint8Array | undefined): number {
  if (value === undefined) return 0;
  let i = 0;
  while (i < value.length && value[i] === 0) i++;
  if (i === value.length) return 0;
  return (value.length - i - 1) * 8 + (32 - Math.clz32(value[i] as number));
}

function assertParameters(packet: Key['keyPacket'] | Subkey['keyPacket'], role: string): void {
  const params = packet.publicParams as Record<string, Uint8Array | undefined>;
  // RSA's modulus is `n`, DSA's and ElGamal's group prime is `p`; elliptic-curve keys have a fixed cost per curve.
  const modulus = Math.max(bitLength(params.n), bitLength(params.p));
  if (modulus > KEY_LIMITS.modulusBits) {
    throw limit(
      `moduli of at most ${KEY_LIMITS.modulusBits} bits (the ${role} has ${modulus})`,
      'ask the partner for an RSA-4096 or Curve25519 key',
    );
  }
  const exponent = bitLength(params.e);
  if (exponent > KEY_LIMITS.exponentBits) {
    throw limit(
      `RSA public exponents below 2^${KEY_LIMITS.exponentBits} (the ${role} has a ${exponent}-bit exponent; keys made by GnuPG use 65537)`,
      'ask the partner for a key made by GnuPG',
    );
  }
}

/**
 * The shape of a parsed (not yet verified) key: how many parts it has, how many signatures, how large its numbers.
 * Runs before anything verifies a signature, so any key is judged in bounded time.
 */
export function assertKeyWithinLimits(key: Key): void {
  if (key.subkeys.length > KEY_LIMITS.subkeys)
    throw limit(`at most ${KEY_LIMITS.subkeys} subkeys (this key has ${key.subkeys.length})`);
  if (key.users.length > KEY_LIMITS.userPackets) {
    const photos = key.users.filter((user) => user.userAttribute !== null).length;
    throw limit(
      `at most ${KEY_LIMITS.userPackets} user IDs and photo IDs together (this key has ${key.users.length - photos} user IDs and ${photos} photo IDs)`,
    );
  }
  const packets = [
    // Not in openpgp's type declarations, but parsed onto every key: direct-key self-signatures.
    {
      what: 'the primary key',
      signatures:
        (key as Key & { directSignatures: unknown[] }).directSignatures.length + key.revocationSignatures.length,
    },
    // Named by position, not by content: the text of a hostile user ID has no place in a Slack message.
    ...key.users.map((user, index) => ({
      what: `${user.userID === null ? 'photo ID' : 'user ID'} number ${index + 1}`,
      signatures: user.selfCertifications.length + user.otherCertifications.length + user.revocationSignatures.length,
    })),
    ...key.subkeys.map((subkey) => ({
      what: `subkey ${subkey.getKeyID().toHex().toUpperCase()}`,
      signatures: subkey.bindingSignatures.length + subkey.revocationSignatures.length,
    })),
  ];
  for (const packet of packets) {
    if (packet.signatures > KEY_LIMITS.signaturesPerPacket) {
      throw limit(
        `at most ${KEY_LIMITS.signaturesPerPacket} signatures on one part of a key (${packet.what} has ${packet.signatures})`,
      );
    }
  }
  const total = packets.reduce((sum, packet) => sum + packet.signatures, 0);
  if (total > KEY_LIMITS.signatures)
    throw limit(`at most ${KEY_LIMITS.signatures} signatures per key (this key has ${total})`);
  const { algorithm, curve } = key.getAlgorithmInfo();
  const slow = algorithm === 'ecdsa' && curve !== 'nistP256';
  const budget = algorithm.startsWith('rsa')
    ? KEY_LIMITS.selfSignatures.rsa
    : slow
      ? KEY_LIMITS.selfSignatures.slowCurve
      : KEY_LIMITS.selfSignatures.fastCurve;
  const selfSignatures = selfSignaturesOf(key).length;
  if (selfSignatures > budget) {
    const kind = algorithm.startsWith('rsa')
      ? 'an RSA'
      : slow
        ? `an ECDSA ${curve ?? ''}`
        : `an ${algorithm === 'ecdsa' ? 'ECDSA P-256' : 'EdDSA'}`;
    throw limit(`at most ${budget} self-signatures on ${kind} key (this key has ${selfSignatures})`);
  }
  assertParameters(key.keyPacket, 'primary key');
  for (const subkey of key.subkeys)
    assertParameters(subkey.keyPacket, `subkey ${subkey.getKeyID().toHex().toUpperCase()}`);
}
