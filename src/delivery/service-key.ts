import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decryptKey, generateKey, type PrivateKey, readPrivateKey } from 'openpgp';
import { AppError } from '../shared/errors.ts';
import { formatFingerprint } from '../partners/fingerprint.ts';

export const SERVICE_KEY_FILE = 'service-pgp-key.asc';
const SERVICE_USER_ID = { name: 'harvest-keys key delivery' };
/** Signatures by these RFC 9580 algorithms (or by v6 keys) do not verify in GnuPG 2.2 / 2.4. */
const GNUPG_UNREADABLE = new Set(['ed25519', 'ed448', 'x25519', 'x448', 'pqc_mldsa_ed25519', 'pqc_mlkem_x25519']);

/** The service's own signing key: partners verify each delivery against its published fingerprint. */
export interface ServiceSigningKey {
  fingerprint: string;
  formattedFingerprint: string;
  publicArmored: string;
  /** Unlocked, for signing only; never serialised by this module's callers. */
  privateKey: PrivateKey;
  source: 'config' | 'file' | 'generated';
  file?: string | undefined;
}

export interface ServiceKeyOptions {
  /** SERVICE_PGP_PRIVATE_KEY: wins over the file in `dataDir`. */
  privateArmored?: string | undefined;
  passphrase?: string | undefined;
  dataDir: string;
}

function invalid(message: string, cause?: unknown): AppError {
  return new AppError('SERVICE_KEY_INVALID', message, cause === undefined ? {} : { cause });
}

/** Environment files often carry multi-line values with literal `\n`. */
function unescapeNewlines(armored: string): string {
  return armored.includes('\n') ? armored : armored.replace(/\\n/g, '\n');
}

async function unlock(armored: string, passphrase: string | undefined, origin: string): Promise<PrivateKey> {
  let key: PrivateKey;
  try {
    key = await readPrivateKey({ armoredKey: unescapeNewlines(armored).trim() });
  } catch (error) {
    throw invalid(`${origin} is not an armored OpenPGP private key ("-----BEGIN PGP PRIVATE KEY BLOCK-----")`, error);
  }
  if (key.keyPacket.version !== 4) {
    throw invalid(
      `${origin} is a version ${key.keyPacket.version} key: GnuPG 2.2 / 2.4 cannot verify its signatures; use a v4 key (ECC Ed25519 or RSA)`,
    );
  }
  if (!key.isDecrypted()) {
    if (passphrase === undefined) throw invalid(`${origin} is protected by a passphrase: set SERVICE_PGP_PASSPHRASE`);
    try {
      key = await decryptKey({ privateKey: key, passphrase });
    } catch (error) {
      throw invalid(`${origin} could not be unlocked: SERVICE_PGP_PASSPHRASE is wrong`, error);
    }
  }
  try {
    const signing = await key.getSigningKey();
    const algorithm = signing.getAlgorithmInfo().algorithm;
    if (GNUPG_UNREADABLE.has(algorithm)) {
      throw invalid(
        `${origin} signs with ${algorithm}, which GnuPG 2.2 / 2.4 cannot verify; use an ECC (Ed25519 legacy) or RSA key`,
      );
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw invalid(`${origin} cannot sign (expired, revoked, or no signing key): ${(error as Error).message}`, error);
  }
  return key;
}

function describeKey(key: PrivateKey, source: ServiceSigningKey['source'], file?: string): ServiceSigningKey {
  const fingerprint = key.getFingerprint().toUpperCase();
  return {
    fingerprint,
    formattedFingerprint: formatFingerprint(fingerprint),
    publicArmored: key.toPublic().armor(),
    privateKey: key,
    source,
    file,
  };
}

/**
 * Supplied (SERVICE_PGP_PRIVATE_KEY) or kept in DATA_DIR, generated there on first use. The generated key is an ECC
 * v4 key (EdDSA Ed25519 legacy): 'curve25519' / v6 keys would produce signatures GnuPG 2.2 cannot verify.
 */
export async function loadServiceSigningKey(options: ServiceKeyOptions): Promise<ServiceSigningKey> {
  if (options.privateArmored !== undefined) {
    return describeKey(await unlock(options.privateArmored, options.passphrase, 'SERVICE_PGP_PRIVATE_KEY'), 'config');
  }
  const file = path.join(options.dataDir, SERVICE_KEY_FILE);
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw invalid(`Cannot read the service signing key ${file}: ${error.code ?? error.message}`, error);
  });
  if (existing !== undefined) return describeKey(await unlock(existing, options.passphrase, file), 'file', file);

  const { privateKey } = await generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [SERVICE_USER_ID],
    format: 'armored',
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
  });
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, privateKey, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process (the CLI beside the server) generated it first: use theirs, so there is only ever one.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadServiceSigningKey(options);
    throw invalid(`Cannot write the service signing key ${file}: ${(error as Error).message}`, error);
  }
  return describeKey(await unlock(privateKey, options.passphrase, file), 'generated', file);
}

/** Loads once, on first use: commands that never deliver do not touch (or create) the key. */
export function createServiceKeyProvider(options: ServiceKeyOptions): { get(): Promise<ServiceSigningKey> } {
  let loading: Promise<ServiceSigningKey> | undefined;
  return {
    get() {
      if (loading === undefined) {
        loading = loadServiceSigningKey(options);
        loading.catch(() => {
          loading = undefined;
        });
      }
      return loading;
    },
  };
}
