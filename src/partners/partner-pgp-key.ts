/** A partner's current public key. The fingerprint an admin confirmed out of band is kept beside it. */
export interface PartnerPgpKey {
  partnerId: string;
  armoredPublicKey: string;
  fingerprint: string;
  userIds: string[];
  algorithm: string;
  keyCreatedAt: Date;
  expiresAt: Date | null;
  addedBy: string;
  addedAt: Date;
  /** Equal to `fingerprint` once confirmed; cleared whenever a key with another fingerprint replaces it. */
  confirmedFingerprint: string | null;
  confirmedBy: string | null;
  confirmedAt: Date | null;
}

export interface NewPartnerPgpKey {
  partnerId: string;
  armoredPublicKey: string;
  fingerprint: string;
  userIds: readonly string[];
  algorithm: string;
  keyCreatedAt: Date;
  expiresAt: Date | null;
  addedBy: string;
  addedAt: Date;
  confirmation: { by: string; at: Date } | null;
}

/** A partner's PGP key as lists show it: none yet, stored but not confirmed out of band, or confirmed. */
export type PgpStatus =
  | { kind: 'none' }
  | { kind: 'unconfirmed'; fingerprint: string; expiresAt: Date | null; expired: boolean }
  | { kind: 'confirmed'; fingerprint: string; expiresAt: Date | null; expired: boolean };

export function pgpStatus(key: PartnerPgpKey | undefined, now: Date): PgpStatus {
  if (key === undefined) return { kind: 'none' };
  const expired = key.expiresAt !== null && key.expiresAt <= now;
  const kind = key.confirmedFingerprint === key.fingerprint ? 'confirmed' : 'unconfirmed';
  return { kind, fingerprint: key.fingerprint, expiresAt: key.expiresAt, expired };
}

export interface PartnerPgpKeyRepository {
  find(partnerId: string): Promise<PartnerPgpKey | undefined>;
  /** Every partner's key (one per partner): for lists. */
  list(): Promise<PartnerPgpKey[]>;
  /** Inserts or replaces the partner's key, with the given confirmation state. */
  save(record: NewPartnerPgpKey): Promise<void>;
  /** Confirms only if the stored key still has this fingerprint; false otherwise. */
  confirm(partnerId: string, fingerprint: string, by: string, at: Date): Promise<boolean>;
}
