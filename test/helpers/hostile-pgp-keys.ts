import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  generatePrimeSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import { armor, enums } from 'openpgp';

/**
 * Builds RSA OpenPGP keys packet by packet (RFC 4880 §5.2, §5.5, §12.2) with REAL self-signatures, so a key can be
 * hostile in ways no key generator allows: a huge public exponent, hundreds of subkeys, many user IDs, photo IDs or
 * self-signatures. openpgp and GnuPG accept them as valid keys; the inspector must judge them by their shape first.
 */
export interface HostileRsaOptions {
  /** Modulus size of the primary key; 3072 keeps OpenSSL willing to use an exponent over 64 bits. */
  modulusBits?: number;
  /** Size of the primary key's public exponent; 17 is the usual 65537. */
  exponentBits?: number;
  /** Encryption subkeys (RSA-2048, e = 65537), each bound by a signature of the primary key. */
  subkeys?: number;
  userIds?: number;
  /** Photo IDs (user attribute packets holding a JPEG of `photoBytes`). */
  photoIds?: number;
  photoBytes?: number;
  /** Self-signatures on each user ID (all valid, one second apart). */
  signaturesPerUserId?: number;
  /**
   * Only the oldest subkey may encrypt (the others are authentication keys): openpgp then verifies every binding
   * signature, newest first, before it finds the encryption subkey. The worst case for the inspector.
   */
  encryptionSubkeyLast?: boolean;
  /**
   * Every self-signature on a user ID after the first (the newer ones) has a wrong value: openpgp tries the newest
   * first, so each question about the key checks them all again before it finds the good one.
   */
  badNewerSignatures?: boolean;
  /** false: signature packets with a random RSA value, for shapes that must be refused before any verification. */
  sign?: boolean;
}

const CREATED = Math.floor(Date.UTC(2025, 0, 1) / 1000);

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n: number) => Buffer.from([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);

function bigToBytes(value: bigint): Buffer {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}
const bytesToBig = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex')}`);

function mpi(bytes: Uint8Array): Buffer {
  const value = bigToBytes(bytesToBig(bytes));
  return Buffer.concat([u16(bytesToBig(value).toString(2).length), value]);
}

function packet(tag: number, body: Buffer): Buffer {
  const length =
    body.length < 192
      ? Buffer.from([body.length])
      : body.length < 8384
        ? Buffer.from([((body.length - 192) >> 8) + 192, (body.length - 192) & 0xff])
        : Buffer.concat([Buffer.from([0xff]), u32(body.length)]);
  return Buffer.concat([Buffer.from([0xc0 | tag]), length, body]);
}

function subpacket(type: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([data.length + 1]), Buffer.from([type]), data]);
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new Error('not invertible');
  return ((oldS % m) + m) % m;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function randomOdd(bits: number): bigint {
  const value = bytesToBig(randomBytes(Math.ceil(bits / 8))) >> BigInt(Math.ceil(bits / 8) * 8 - bits);
  return value | 1n | (1n << BigInt(bits - 1));
}

const b64url = (value: bigint) => bigToBytes(value).toString('base64url');

interface RsaMaterial {
  n: bigint;
  e: bigint;
  key: KeyObject | undefined;
}

/** An RSA key with the given exponent size: primes from node:crypto, d computed here. */
function rsaMaterial(modulusBits: number, exponentBits: number, withPrivate: boolean): RsaMaterial {
  if (exponentBits <= 17 && withPrivate) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: modulusBits });
    const jwk = privateKey.export({ format: 'jwk' });
    return { n: bytesToBig(Buffer.from(jwk.n as string, 'base64url')), e: 65537n, key: privateKey };
  }
  // Unsigned shapes need no private key, so no primes either: any odd number of the right size will do as the modulus.
  if (!withPrivate)
    return { n: randomOdd(modulusBits), e: exponentBits <= 17 ? 65537n : randomOdd(exponentBits), key: undefined };
  const p = generatePrimeSync(modulusBits / 2, { bigint: true });
  const q = generatePrimeSync(modulusBits / 2, { bigint: true });
  const phi = (p - 1n) * (q - 1n);
  let e = exponentBits <= 17 ? 65537n : randomOdd(exponentBits);
  while (gcd(e, phi) !== 1n) e += 2n;
  const d = modInverse(e, phi);
  const key = createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'RSA',
      n: b64url(p * q),
      e: b64url(e),
      d: b64url(d),
      p: b64url(p),
      q: b64url(q),
      dp: b64url(d % (p - 1n)),
      dq: b64url(d % (q - 1n)),
      qi: b64url(modInverse(q, p)),
    },
  });
  return { n: p * q, e, key };
}

function keyBody(material: { n: bigint; e: bigint }, created: number): Buffer {
  return Buffer.concat([
    Buffer.from([4]),
    u32(created),
    Buffer.from([enums.publicKey.rsaEncryptSign]),
    mpi(bigToBytes(material.n)),
    mpi(bigToBytes(material.e)),
  ]);
}

const keyHashPrefix = (body: Buffer) => Buffer.concat([Buffer.from([0x99]), u16(body.length), body]);

function signature(
  signer: RsaMaterial,
  fingerprint: Buffer,
  type: number,
  signed: Buffer,
  options: { created: number; keyFlags: number; primaryUserId?: boolean; modulusBytes: number; sign: boolean },
): Buffer {
  const hashed = Buffer.concat([
    subpacket(2, u32(options.created)),
    subpacket(33, Buffer.concat([Buffer.from([4]), fingerprint])),
    subpacket(27, Buffer.from([options.keyFlags])),
    ...(options.primaryUserId ? [subpacket(25, Buffer.from([1]))] : []),
  ]);
  const head = Buffer.concat([
    Buffer.from([4, type, enums.publicKey.rsaEncryptSign, enums.hash.sha256]),
    u16(hashed.length),
    hashed,
  ]);
  const hashInput = Buffer.concat([signed, head, Buffer.from([4, 0xff]), u32(head.length)]);
  const digest = createHash('sha256').update(hashInput).digest();
  const value =
    options.sign && signer.key !== undefined
      ? sign('sha256', hashInput, signer.key)
      : createHash('sha512').update(hashInput).digest().subarray(0, Math.min(64, options.modulusBytes));
  const unhashed = subpacket(16, fingerprint.subarray(12));
  return packet(2, Buffer.concat([head, u16(unhashed.length), unhashed, digest.subarray(0, 2), mpi(value)]));
}

function photo(bytes: number, index: number): Buffer {
  // Image attribute subpacket: a 16-byte v1 header (JPEG), then the image; the JPEG is filler that starts like one.
  const image = Buffer.alloc(bytes, index & 0xff);
  image.set([0xff, 0xd8, 0xff, 0xe0], 0);
  const header = Buffer.concat([Buffer.from([0x10, 0x00, 0x01, 0x01]), Buffer.alloc(12)]);
  const data = Buffer.concat([Buffer.from([1]), header, image]);
  const length =
    data.length < 192 ? Buffer.from([data.length]) : Buffer.concat([Buffer.from([0xff]), u32(data.length)]);
  return Buffer.concat([length, data]);
}

let subkeyMaterial: RsaMaterial | undefined;
const primaries = new Map<string, RsaMaterial>();

/** Returns the armored public key and its size in bytes (binary). */
export function hostileRsaKey(options: HostileRsaOptions = {}): { armored: string; bytes: number } {
  const modulusBits = options.modulusBits ?? 3072;
  const sign = options.sign ?? true;
  const shape = `${modulusBits}/${options.exponentBits ?? 17}/${sign}`;
  // Key generation dominates the cost of a test: keys of one shape share their primary key material.
  const primary = primaries.get(shape) ?? rsaMaterial(modulusBits, options.exponentBits ?? 17, sign);
  primaries.set(shape, primary);
  const primaryBody = keyBody(primary, CREATED);
  const primaryPrefix = keyHashPrefix(primaryBody);
  const fingerprint = createHash('sha1').update(primaryPrefix).digest();
  const modulusBytes = Math.ceil(modulusBits / 8);
  const sig = (type: number, signed: Buffer, created: number, keyFlags: number, primaryUserId = false, valid = sign) =>
    signature(primary, fingerprint, type, signed, { created, keyFlags, primaryUserId, modulusBytes, sign: valid });

  const parts: Buffer[] = [packet(6, primaryBody)];
  for (let u = 0; u < (options.userIds ?? 1); u++) {
    const uid = Buffer.from(`Hostile Partner ${u} <hostile${u}@example.com>`);
    parts.push(packet(13, uid));
    const signed = Buffer.concat([primaryPrefix, Buffer.from([0xb4]), u32(uid.length), uid]);
    for (let s = 0; s < (options.signaturesPerUserId ?? 1); s++)
      parts.push(sig(0x13, signed, CREATED + s, 0x03, u === 0, sign && !(options.badNewerSignatures && s > 0)));
  }
  for (let p = 0; p < (options.photoIds ?? 0); p++) {
    const attribute = photo(options.photoBytes ?? 1024, p);
    parts.push(packet(17, attribute));
    parts.push(
      sig(0x13, Buffer.concat([primaryPrefix, Buffer.from([0xd1]), u32(attribute.length), attribute]), CREATED, 0x03),
    );
  }
  if ((options.subkeys ?? 1) > 0) subkeyMaterial ??= rsaMaterial(2048, 17, true);
  for (let k = 0; k < (options.subkeys ?? 1); k++) {
    // One RSA-2048 modulus, a different creation time each: distinct subkeys (fingerprints) at no key-generation cost.
    const body = keyBody(subkeyMaterial as RsaMaterial, CREATED + k);
    parts.push(packet(14, body));
    parts.push(
      sig(
        0x18,
        Buffer.concat([primaryPrefix, keyHashPrefix(body)]),
        CREATED + k,
        options.encryptionSubkeyLast && k > 0 ? 0x20 : 0x0c,
      ),
    );
  }
  const binary = Buffer.concat(parts);
  return { armored: armor(enums.armor.publicKey, binary), bytes: binary.length };
}
