export type KeyStatus = 'active' | 'revoked';

/** An API key (sent as is), or a Harvest v3 OAuth client (its secret is exchanged at /oauth/token for tokens). */
export type CredentialKind = 'key' | 'oauth_client';

export interface ApiKey {
  id: string;
  hint: string;
  description: string;
  apiType: string;
  partnerId: string | null;
  partnerName: string | null;
  status: KeyStatus;
  legacy: boolean;
  permissions: string[];
  createdBy: string;
  createdAt: Date;
  revokedBy: string | null;
  revokedAt: Date | null;
  revokeReason: string | null;
  /** Set by replace with a grace period: the key stops working at this time. */
  revokeAt: Date | null;
  replacedBy: string | null;
  lastUsedAt: Date | null;
  /** When the key stops working by itself; null: never. */
  expiresAt: Date | null;
  /** Canonical CIDRs the key may be used from; empty: any address. */
  allowedNetworks: string[];
  version: number;
  kind: CredentialKind;
  /** A client's public id (`hkc_…`), kept by its replacements; null for a key. */
  clientId: string | null;
}

/** A replacement seen from either end: the key that replaced this one, and the key this one replaced. */
export interface KeyLinks {
  replacedBy?: ApiKey | undefined;
  replaces?: ApiKey | undefined;
}

/** What the lifecycle service hands back exactly once. Never stored, never logged. */
export interface IssuedKey {
  key: ApiKey;
  secret: string;
}

export interface KeyFilter {
  status?: KeyStatus | undefined;
  partnerId?: string | undefined;
  text?: string | undefined;
  /** What the key is at `now` (keyState): `usable` (active, or stopping after a replacement), or `revoked`. */
  state?: 'usable' | 'revoked' | undefined;
  /** Only keys with a scheduled stop that has not come yet (replaced with a grace period). */
  stopping?: boolean | undefined;
  legacy?: boolean | undefined;
  /**
   * Only usable keys whose (effective) expiry falls within this many milliseconds of `now`; with `stopping` too,
   * keys that match either.
   */
  expiringWithinMs?: number | undefined;
  /** Only keys that were never used. */
  unused?: boolean | undefined;
  /** The time `state` and `stopping` are judged at (default: the database's clock). */
  now?: Date | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}
