import type { ApiKey, KeyFilter } from './types.ts';

/** A key as it is first stored: the fields set at creation (the rest start empty), and the secret's digest. */
export type NewKeyRecord = Pick<
  ApiKey,
  'id' | 'hint' | 'description' | 'apiType' | 'partnerId' | 'legacy' | 'createdBy' | 'createdAt'
> &
  Partial<Pick<ApiKey, 'kind' | 'clientId'>> & {
    secretDigest: Buffer;
    permissions: readonly string[];
    /** Absent (an import): never. */
    expiresAt?: Date | null | undefined;
    /** Canonical networks (validateNetworks); none: any address. Imports leave it out. */
    allowedNetworks?: readonly string[];
  };

export interface KeyRevocation {
  by: string;
  at: Date;
  reason: string | null;
}

/** The storage port the key lifecycle needs; implemented in `src/db/repositories`. */
export interface KeyRepository {
  insert(record: NewKeyRecord): Promise<void>;
  /** A bulk import: the same rows as `insert`, written in multi-row statements. */
  insertMany(records: readonly NewKeyRecord[]): Promise<void>;
  findById(id: string): Promise<ApiKey | undefined>;
  findByDigest(digest: Buffer): Promise<ApiKey | undefined>;
  existingDigests(digests: readonly Buffer[]): Promise<Buffer[]>;
  list(filter: KeyFilter): Promise<{ keys: ApiKey[]; total: number }>;
  /** Compare-and-swap on `version`; returns false when the version moved (or the key is gone). */
  updateIfVersion(
    id: string,
    version: number,
    patch: {
      description?: string;
      permissions?: readonly string[];
      allowedNetworks?: readonly string[];
      expiresAt?: Date | null;
      /** Only ever to false: a legacy key's implicit access ends, it never starts. */
      legacy?: false;
    },
  ): Promise<boolean>;
  /** Only an active key changes; returns false when it was already revoked. */
  revoke(id: string, revocation: KeyRevocation): Promise<boolean>;
  /**
   * Only a revoked (or revocation-scheduled, or expired at `now`) key changes; `expiresAt`, when given, is its new
   * expiry (null: never).
   */
  enable(id: string, change?: { now: Date; expiresAt: Date | null }): Promise<boolean>;
  /** Records the successor once: returns false when the key already has one (a key is replaced at most once). */
  scheduleRevocation(id: string, at: Date, replacedBy: string): Promise<boolean>;
  /**
   * Undoes `scheduleRevocation` (successor and scheduled end cleared, the status left as it is) only while the key's
   * successor is still `successorId` and that successor is revoked and was not itself replaced: false otherwise.
   */
  abandonSuccession(id: string, successorId: string): Promise<boolean>;
  dueForRevocation(now: Date): Promise<ApiKey[]>;
  /**
   * Active keys, neither replaced nor scheduled to stop, whose (effective) expiry is after `from` and at or before
   * `until`: the keys expiry reminders are about. Soonest end first.
   */
  expiringBetween(from: Date, until: Date): Promise<ApiKey[]>;
  /** The keys with these ids (any order; unknown ids are left out). */
  findByIds(ids: readonly string[]): Promise<ApiKey[]>;
  /** The keys a replace superseded with one of these keys (`replacedBy` in `ids`). */
  findReplacedBy(ids: readonly string[]): Promise<ApiKey[]>;
}

/** Tells every instance that a key's enforcement data changed; sent inside the transaction that changed it. */
export interface ChangeNotifier {
  keyChanged(keyId: string): Promise<void>;
  /**
   * Keys that did not exist before (an import), announced in batches of ids: instances load them by id after any
   * change to an existing key, and refuse them until then.
   */
  keysAdded(keyIds: readonly string[]): Promise<void>;
}
