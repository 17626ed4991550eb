import type { UsabilityFields } from '../keys/key-state.ts';
import type { ApiKey } from '../keys/types.ts';

/**
 * What enforcement needs to know about one key; never the secret, only its digest. Whatever decides whether a key
 * works (`UsabilityFields`) is in it, so a field added there must be loaded (src/db/key-index-source.ts) and indexed.
 */
export type IndexedKeyRecord = Pick<ApiKey, 'id' | 'partnerName' | 'legacy' | 'allowedNetworks' | 'clientId'> &
  UsabilityFields & {
    digest: Buffer;
    permissions: readonly string[];
    /** A client's access tokens revoked before their expiry (their ids); empty for keys. */
    revokedTokens: readonly string[];
    /** The effective expiry (LEGACY_KEYS_EXPIRE_AT applied) in epoch milliseconds; null: never. */
    expiresAt: number | null;
  };

/** Reads keys for the in-memory index; implemented in `src/db/key-index-source.ts`. */
export interface KeyIndexSource {
  /**
   * Every key, from one consistent snapshot, handed over a page at a time so that loading 100k keys never holds
   * them all as records at once. `expect`, when given, hears before the first page about how many keys are coming
   * (at least as many as there are, give or take a page), so the index can be sized once.
   */
  loadAll(onPage: (records: readonly IndexedKeyRecord[]) => void, expect?: (keys: number) => void): Promise<void>;
  /** Keys that no longer exist are simply absent from the answer. */
  loadSome(ids: readonly string[]): Promise<IndexedKeyRecord[]>;
}

export interface KeyChangeEvents {
  /**
   * Keys' enforcement data changed: the ids of one NOTIFY payload. `added`: keys that did not exist before (an
   * import), which an instance refuses until it loads them, so they may wait behind changes to existing keys.
   */
  onKeysChanged(keyIds: readonly string[], kind: 'changed' | 'added'): void;
  /**
   * Every change committed before `sentAtMs` (this instance's clock) has been reported before this call: the proof
   * that the instance is current, which freshness is measured from.
   */
  onCaughtUp(sentAtMs: number): void;
  /** LISTEN is (re-)established: anything may have changed while it was down, so the index reloads everything. */
  onConnected(): void;
  onDisconnected(error: unknown): void;
}

/** The invalidation channel (PostgreSQL LISTEN/NOTIFY); implemented in `src/db/key-change-listener.ts`. */
export interface KeyChangeFeed {
  /** Keeps (re)connecting until `stop`; reports through `events`. */
  start(events: KeyChangeEvents): void;
  stop(): Promise<void>;
}

export interface UsageCount {
  keyId: string;
  endpointId: string;
  /** UTC day as YYYY-MM-DD. */
  day: string;
  allowed: number;
  denied: number;
}

export interface UsageBatch {
  counts: UsageCount[];
  lastUsed: Array<{ keyId: string; at: Date }>;
}

/** Where aggregated usage is written; implemented in `src/db/usage-store.ts`. */
export interface UsageSink {
  write(batch: UsageBatch): Promise<void>;
}

/** What enforcement reports for metrics (implemented in src/observability); every call is cheap and synchronous. */
export interface AuthzObserver {
  /** One per /authz answer: outcome, the 401/403 reason ('' otherwise) and the time spent in process. */
  authzDecision(outcome: 'allow' | 'deny_401' | 'deny_403' | 'unavailable', reason: string, seconds: number): void;
  indexLoaded(seconds: number): void;
  /** A key change applied, `lagSeconds` after its NOTIFY arrived. */
  invalidationApplied(lagSeconds: number): void;
  channelReconnected(): void;
}
