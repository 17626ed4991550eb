/** What an admin is shown before confirming a partner's key, and what is stored with it. No secret material. */
export interface PgpKeyInfo {
  /** Full primary-key fingerprint, 40 upper-case hex characters. */
  fingerprint: string;
  /** The same in gpg's groups of four, for reading aloud to the partner. */
  formattedFingerprint: string;
  userIds: string[];
  /** Human summary, e.g. `EdDSA Ed25519, encrypts with ECDH Curve25519` or `RSA 4096-bit`. */
  algorithm: string;
  primary: PgpAlgorithm;
  encryption: PgpAlgorithm & { keyId: string; fingerprint: string };
  createdAt: Date;
  /** When deliveries to this key stop working: the earlier of the primary key's and the encryption subkey's expiry. */
  expiresAt: Date | null;
  /** The key re-serialised by the library: indentation and surrounding text removed. */
  armored: string;
}

export interface PgpAlgorithm {
  /** openpgp's name: `rsaEncryptSign`, `eddsaLegacy`, `ecdh`, `ecdsa`, ... */
  name: string;
  bits?: number | undefined;
  curve?: string | undefined;
}
