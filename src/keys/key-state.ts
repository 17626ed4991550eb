import type { ApiKey } from './types.ts';

/**
 * What a key is, right now: the one place that reads `status`, `revokeAt` and `expiresAt` together. Renderers switch
 * on `kind` (exhaustively), so a new state is a compile error in every place that shows one until it is handled.
 */
export type KeyState =
  | { kind: 'active' }
  /** Replaced with a grace period: still works until `at`. */
  | { kind: 'stopping'; at: Date }
  /** Revoked by someone (`at` is when), or its grace period ended (`graceEnded`). Wins over `expired`. */
  | { kind: 'revoked'; at: Date | null; reason: string | null; graceEnded: boolean }
  /** Its expiry (`at`, the effective one: a legacy key's may come from LEGACY_KEYS_EXPIRE_AT) has passed. */
  | { kind: 'expired'; at: Date };

/**
 * The fields that decide whether a key works. Enforcement (the /authz index and its load query) carries exactly
 * these, so a field added here is a compile error everywhere the index is filled until it is read. The index holds
 * the expiry as epoch milliseconds (no Date per key); the key model as a Date.
 */
export interface UsabilityFields {
  status: ApiKey['status'];
  revokeAt: ApiKey['revokeAt'];
  expiresAt: Date | number | null;
}

export type KeyStateFields = Pick<ApiKey, 'status' | 'revokeAt' | 'revokedAt' | 'revokeReason' | 'expiresAt'>;

/**
 * Why the key no longer works at `nowMs` — `'revoked'`, `'expired'`, or null while it works — without making a
 * state: /authz asks this for every request and must not allocate. `keyState` decides through it, so the two cannot
 * disagree. A key expires from the millisecond of `expiresAt` on.
 */
export function stoppedAt(key: UsabilityFields, nowMs: number): 'revoked' | 'expired' | null {
  if (key.status === 'revoked' || (key.revokeAt !== null && key.revokeAt.getTime() <= nowMs)) return 'revoked';
  const expires = key.expiresAt;
  if (expires !== null && (typeof expires === 'number' ? expires : expires.getTime()) <= nowMs) return 'expired';
  return null;
}

/** Whether the key no longer works at `nowMs`, revoked or expired (`!isUsable(keyState(key, nowMs))`). */
export function isRevokedAt(key: UsabilityFields, nowMs: number): boolean {
  return stoppedAt(key, nowMs) !== null;
}

export function keyState(key: KeyStateFields, now: Date | number): KeyState {
  const stopped = stoppedAt(key, typeof now === 'number' ? now : now.getTime());
  if (stopped === null) return key.revokeAt === null ? { kind: 'active' } : { kind: 'stopping', at: key.revokeAt };
  if (stopped === 'expired') return { kind: 'expired', at: key.expiresAt as Date };
  return key.status === 'revoked'
    ? { kind: 'revoked', at: key.revokedAt, reason: key.revokeReason, graceEnded: false }
    : { kind: 'revoked', at: key.revokeAt, reason: key.revokeReason, graceEnded: true };
}

/** Whether the key works now: active, or still inside a replacement's grace period (a kind added later: no). */
export function isUsable(state: KeyState): boolean {
  return state.kind === 'active' || state.kind === 'stopping';
}

/** The effective expiry of a key: its own, or for a legacy key the policy's end (LEGACY_KEYS_EXPIRE_AT) if earlier. */
export function effectiveExpiry(
  own: Date | null,
  legacy: boolean,
  legacyKeysExpireAt: Date | null | undefined,
): Date | null {
  if (!legacy || legacyKeysExpireAt == null) return own;
  return own === null || legacyKeysExpireAt.getTime() < own.getTime() ? legacyKeysExpireAt : own;
}
