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

export interface PartnerPgpKeyRepository {
  find(partnerId: string): Promise<PartnerPgpKey | undefined>;
  /** Inserts or replaces the partner's key, with the given confirmation state. */
  save(record: NewPartnerPgpKey): Promise<void>;
  /** Confirms only if the stored key still has this fingerprint; false otherwise. */
  confirm(partnerId: string, fingerprint: string, by: string, at: Date): Promise<boolean>;
}
