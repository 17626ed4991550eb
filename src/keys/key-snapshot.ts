import type { ApiKey } from './types.ts';

/**
 * Every key field, and whether an audit row records it: a field added to ApiKey is a compile error here until that
 * is decided. Left out: what the row names anyway (the key, its partner), what no key action changes (hint, type,
 * creation), what the action's details carry (who revoked and why, the successor), and usage.
 */
const RECORDED = {
  id: false,
  hint: false,
  description: true,
  apiType: false,
  partnerId: true,
  partnerName: false,
  status: true,
  // A legacy migration ends it.
  legacy: true,
  permissions: true,
  createdBy: false,
  createdAt: false,
  revokedBy: false,
  revokedAt: false,
  revokeReason: false,
  revokeAt: true,
  replacedBy: false,
  lastUsedAt: false,
  expiresAt: true,
  allowedNetworks: true,
  version: true,
  kind: false,
  clientId: false,
} as const satisfies Record<keyof ApiKey, boolean>;

type Recorded = { [K in keyof ApiKey]: (typeof RECORDED)[K] extends true ? K : never }[keyof ApiKey];

/** Dates as ISO strings: the snapshot is stored as JSON. */
export type KeySnapshot = { [K in Recorded]: ApiKey[K] extends Date | null ? string | null : ApiKey[K] };

const FIELDS = (Object.keys(RECORDED) as Array<keyof ApiKey>).filter((field) => RECORDED[field]);

/** What an audit row records about a key: enough to see the change, never the secret or its digest. */
export function keySnapshot(key: ApiKey): KeySnapshot {
  const snapshot: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = key[field];
    snapshot[field] = value instanceof Date ? value.toISOString() : value;
  }
  return snapshot as KeySnapshot;
}
