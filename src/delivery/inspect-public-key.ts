import { type Key, type PublicKey, readKeys, type Subkey, unarmor } from 'openpgp';
import { AppError, isAppError } from '../shared/errors.ts';
import { formatFingerprint } from '../partners/fingerprint.ts';
import { assertBytesWithinLimits, assertKeyWithinLimits, assertTextWithinLimits } from './key-limits.ts';
import { verifyEachSignatureOnce } from './verify-once.ts';
import type { PgpAlgorithm, PgpKeyInfo } from '../partners/pgp-key-info.ts';

const MIN_RSA_BITS = 2048;
const SEIPD_V2_FEATURE = 0x08;
const BEGIN = /^-----BEGIN PGP ([A-Z ,/0-9]+)-----$/;
/** RFC 9580 algorithms: GnuPG 2.2 / 2.4 cannot use them, and a v4 key carrying them still needs a new-format reader. */
const RFC9580_ALGORITHMS = new Set(['ed25519', 'x25519', 'ed448', 'x448', 'pqc_mlkem_x25519', 'pqc_mldsa_ed25519']);
const SUPPORTED_ALGORITHMS = new Set(['rsaEncryptSign', 'rsaEncrypt', 'rsaSign', 'ecdh', 'ecdsa', 'eddsaLegacy']);

const EXPORT_HINT = 'export it with `gpg --armor --export <their email>` and paste the whole block';

const CURVE_NAMES: Record<string, string> = {
  ed25519Legacy: 'Ed25519',
  curve25519Legacy: 'Curve25519',
  nistP256: 'NIST P-256',
  nistP384: 'NIST P-384',
  nistP521: 'NIST P-521',
  brainpoolP256r1: 'Brainpool P-256',
  brainpoolP384r1: 'Brainpool P-384',
  brainpoolP512r1: 'Brainpool P-512',
  secp256k1: 'secp256k1',
};

function describe(algorithm: PgpAlgorithm): string {
  const curve = algorithm.curve === undefined ? '' : ` ${CURVE_NAMES[algorithm.curve] ?? algorithm.curve}`;
  if (algorithm.name.startsWith('rsa')) return `RSA ${algorithm.bits ?? '?'}-bit`;
  if (algorithm.name === 'eddsaLegacy') return `EdDSA${curve}`;
  if (algorithm.name === 'ecdh') return `ECDH${curve}`;
  if (algorithm.name === 'ecdsa') return `ECDSA${curve}`;
  if (algorithm.name === 'dsa') return `DSA ${algorithm.bits ?? '?'}-bit`;
  if (algorithm.name === 'elgamal') return `ElGamal ${algorithm.bits ?? '?'}-bit`;
  return `${algorithm.name}${curve}`;
}

function algorithmOf(key: Key | Subkey): PgpAlgorithm {
  const info = key.getAlgorithmInfo();
  return { name: info.algorithm, bits: info.bits, curve: info.curve };
}

/**
 * Slack and e-mail clients indent or wrap pasted text, and people paste a sentence around the block: keep only the
 * trimmed lines of the armor itself. Returns the armor blocks found, by type.
 */
function extractArmor(text: string): { blocks: { type: string; text: string }[]; unterminated: string | undefined } {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trim());
  const blocks: { type: string; text: string }[] = [];
  let current: { type: string; lines: string[] } | undefined;
  for (const line of lines) {
    const begin = BEGIN.exec(line);
    if (begin !== null) {
      current = { type: begin[1] as string, lines: [line] };
      continue;
    }
    if (current === undefined) continue;
    current.lines.push(line);
    if (line === `-----END PGP ${current.type}-----`) {
      blocks.push({ type: current.type, text: `${current.lines.join('\n')}\n` });
      current = undefined;
    }
  }
  return { blocks, unterminated: current?.type };
}

function compromised(what: string): AppError {
  return new AppError(
    'PGP_KEY_PRIVATE',
    `${what} a PRIVATE key, not a public one. It was not stored. The partner must treat that key as compromised ` +
      '(it has left their hands), stop using it, create a new key pair and send only the public part ' +
      '(`gpg --armor --export <their email>`).',
    { field: 'pgp' },
  );
}

function rfc9580(reason: string): AppError {
  return new AppError(
    'PGP_KEY_RFC9580',
    `This key ${reason}, so messages to it would use the new OpenPGP format (RFC 9580), which GnuPG 2.2 and 2.4 cannot ` +
      'decrypt. Ask the partner for a GnuPG-compatible key, e.g. `gpg --quick-gen-key "<name> <email>" future-default`.',
    { field: 'pgp' },
  );
}

function refuseAlgorithm(algorithm: PgpAlgorithm, role: string): AppError | undefined {
  if (RFC9580_ALGORITHMS.has(algorithm.name)) return rfc9580(`uses ${algorithm.name} (${role})`);
  if (algorithm.name === 'dsa' || algorithm.name === 'elgamal') {
    return new AppError(
      'PGP_KEY_ALGORITHM',
      `This key uses ${describe(algorithm)} (${role}), an obsolete algorithm that is refused. Ask the partner for an ` +
        'RSA (3072 bits or more) or Curve25519 key.',
      { field: 'pgp' },
    );
  }
  if (algorithm.name.startsWith('rsa') && (algorithm.bits ?? 0) < MIN_RSA_BITS) {
    return new AppError(
      'PGP_KEY_WEAK',
      `This key is ${describe(algorithm)} (${role}); RSA keys under ${MIN_RSA_BITS} bits are too weak. Ask the partner for ` +
        'an RSA key of 3072 bits or more, or a Curve25519 key.',
      { field: 'pgp' },
    );
  }
  if (!SUPPORTED_ALGORITHMS.has(algorithm.name)) {
    return new AppError(
      'PGP_KEY_ALGORITHM',
      `This key uses ${describe(algorithm)} (${role}), which is not supported.`,
      { field: 'pgp' },
    );
  }
  return undefined;
}

const expiry = (value: Date | number | null): Date | null => (value instanceof Date ? value : null);

/**
 * Validates a partner's pasted or uploaded public key and describes it for the admin. Everything openpgp accepts but
 * a partner's GnuPG could not use, or that would be unsafe to encrypt to, is refused here with the reason.
 */
export async function inspectPublicKey(text: string, now: Date = new Date()): Promise<PgpKeyInfo> {
  assertTextWithinLimits(text);
  const { blocks, unterminated } = extractArmor(text);
  if ([...blocks.map((block) => block.type), unterminated].some((type) => type?.includes('PRIVATE KEY')))
    throw compromised('This is');
  const keyBlocks = blocks.filter((block) => block.type === 'PUBLIC KEY BLOCK');
  if (keyBlocks.length === 0) {
    const other = blocks[0]?.type;
    if (unterminated === 'PUBLIC KEY BLOCK') {
      throw new AppError(
        'PGP_KEY_INVALID',
        `This public key block is cut off (no "-----END PGP PUBLIC KEY BLOCK-----" line): ${EXPORT_HINT}.`,
        { field: 'pgp' },
      );
    }
    throw new AppError(
      'PGP_KEY_INVALID',
      other === undefined
        ? `This is not an OpenPGP public key (no "-----BEGIN PGP PUBLIC KEY BLOCK-----" block found): ${EXPORT_HINT}.`
        : `This is an OpenPGP ${other.toLowerCase()}, not a public key: ${EXPORT_HINT}.`,
      { field: 'pgp' },
    );
  }
  if (keyBlocks.length > 1) {
    throw new AppError(
      'PGP_KEY_MULTIPLE',
      `This contains ${keyBlocks.length} key blocks: paste exactly one partner key.`,
      { field: 'pgp' },
    );
  }

  let keys: Key[];
  try {
    const { data } = await unarmor((keyBlocks[0] as { text: string }).text);
    // A string in, a Uint8Array out: streams only come back for stream input.
    const binaryKeys = data as unknown as Uint8Array;
    assertBytesWithinLimits(binaryKeys.length);
    // Parsing only: nothing is verified until the key's shape is judged below.
    keys = await readKeys({ binaryKeys });
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError(
      'PGP_KEY_INVALID',
      `This is not a readable OpenPGP public key (the block is damaged or cut off): ${EXPORT_HINT}.`,
      { field: 'pgp', cause: error },
    );
  }
  if (keys.some((key) => key.isPrivate())) throw compromised('This block contains');
  if (keys.length !== 1) {
    const listed = keys.map((key) => `${formatFingerprint(key.getFingerprint())} ${key.getUserIDs()[0] ?? ''}`.trim());
    throw new AppError(
      'PGP_KEY_MULTIPLE',
      `This block holds ${keys.length} keys (${listed.join('; ')}): export only the partner's key, e.g. ` +
        '`gpg --armor --export <fingerprint>`.',
      { field: 'pgp' },
    );
  }
  const key = keys[0] as PublicKey;
  assertKeyWithinLimits(key);
  verifyEachSignatureOnce(key);
  const fingerprint = key.getFingerprint().toUpperCase();

  if (key.keyPacket.version !== 4) {
    if (key.keyPacket.version === 6) throw rfc9580('is a version 6 key');
    throw new AppError(
      'PGP_KEY_ALGORITHM',
      `This is a version ${key.keyPacket.version} key; only version 4 keys are supported.`,
      { field: 'pgp' },
    );
  }
  const primary = algorithmOf(key);
  const primaryRefusal = refuseAlgorithm(primary, 'primary key');
  if (primaryRefusal !== undefined) throw primaryRefusal;

  if (await key.isRevoked(undefined, undefined, now)) {
    throw new AppError(
      'PGP_KEY_REVOKED',
      `This key (${formatFingerprint(fingerprint)}) has been revoked by its owner: ask the partner for their current key.`,
      { field: 'pgp', facts: { fingerprint } },
    );
  }
  let primaryUser: Awaited<ReturnType<PublicKey['getPrimaryUser']>>;
  try {
    await key.verifyPrimaryKey(now);
    primaryUser = await key.getPrimaryUser(now);
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/expired/i.test(message)) {
      const until = expiry(await key.getExpirationTime().catch(() => null));
      throw new AppError(
        'PGP_KEY_EXPIRED',
        `This key (${formatFingerprint(fingerprint)}) expired${until === null ? '' : ` on ${until.toISOString().slice(0, 10)}`}: ` +
          'ask the partner to extend it (`gpg --quick-set-expire <fingerprint> 2y`) and export it again.',
        { field: 'pgp', cause: error, facts: { fingerprint, expiredOn: until?.toISOString().slice(0, 10) } },
      );
    }
    if (/revoked/i.test(message)) {
      throw new AppError(
        'PGP_KEY_REVOKED',
        `This key (${formatFingerprint(fingerprint)}) has been revoked: ask the partner for their current key.`,
        { field: 'pgp', cause: error, facts: { fingerprint } },
      );
    }
    throw new AppError('PGP_KEY_INVALID', `This key has no valid self-signature (${message}): ${EXPORT_HINT}.`, {
      field: 'pgp',
      cause: error,
    });
  }

  const features = primaryUser.selfCertification.features;
  if (features !== null && features !== undefined && ((features[0] ?? 0) & SEIPD_V2_FEATURE) !== 0) {
    throw rfc9580('advertises the SEIPDv2 feature');
  }

  let encryptionKey: Key | Subkey;
  try {
    encryptionKey = await key.getEncryptionKey(undefined, now);
  } catch (error) {
    for (const subkey of key.subkeys) {
      const refusal = refuseAlgorithm(algorithmOf(subkey), 'encryption subkey');
      if (refusal !== undefined) throw refusal;
    }
    throw new AppError(
      'PGP_KEY_NO_ENCRYPTION',
      `This key (${formatFingerprint(fingerprint)}) has no usable encryption subkey: it can only sign, or its encryption ` +
        'subkeys expired or were revoked. Ask the partner to add one (`gpg --quick-add-key <fingerprint> cv25519 encr`) ' +
        'and export the key again.',
      { field: 'pgp', cause: error, facts: { fingerprint } },
    );
  }
  const encryption = algorithmOf(encryptionKey);
  const encryptionRefusal = refuseAlgorithm(encryption, 'encryption subkey');
  if (encryptionRefusal !== undefined) throw encryptionRefusal;

  const primaryExpiry = expiry(await key.getExpirationTime());
  const subkeyExpiry = encryptionKey === key ? null : expiry(await (encryptionKey as Subkey).getExpirationTime(now));
  const expiries = [primaryExpiry, subkeyExpiry].filter((d): d is Date => d !== null);
  const expiresAt = expiries.length === 0 ? null : new Date(Math.min(...expiries.map((d) => d.getTime())));

  const sameAlgorithm = describe(primary) === describe(encryption);
  return {
    fingerprint,
    formattedFingerprint: formatFingerprint(fingerprint),
    userIds: key.getUserIDs(),
    algorithm: sameAlgorithm ? describe(primary) : `${describe(primary)}, encrypts with ${describe(encryption)}`,
    primary,
    encryption: {
      ...encryption,
      keyId: encryptionKey.getKeyID().toHex().toUpperCase(),
      fingerprint: encryptionKey.getFingerprint().toUpperCase(),
    },
    createdAt: key.getCreationTime(),
    expiresAt,
    armored: key.armor(),
  };
}
