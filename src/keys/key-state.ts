import type { ApiKey } from './types.ts';

/**
 * What a key is, right now: the one place that reads `status` and `revokeAt` together. Renderers switch on `kind`
 * (exhaustively), so a new state (expired, say) is a compile error in every place that shows one until it is handled.
 */
export type KeyState =
  | { kind: 'active' }
  /** Replaced with a grace period: still works until `at`. */
  | { kind: 'stopping'; at: Date }
  /** Revoked by someone (`at` is when), or its grace period ended (`graceEnded`). */
  | { kind: 'revoked'; at: Date | null; reason: string | null; graceEnded: boolean };

/**
 * The fields that decide whether a key works. Enforcement (the /authz index and its load query) carries exactly
 * these, so a field added here is a compile error everywhere the index is filled until it is read.
 */
export type UsabilityFields = Pick<ApiKey, 'status' | 'revokeAt'>;

export type KeyStateFields = UsabilityFields & Pick<ApiKey, 'revokedAt' | 'revokeReason'>;

/**
 * Whether the key no longer works at `nowMs` (`!isUsable(keyState(key, nowMs))`) without making a state: /authz asks
 * this for every request and must not allocate. `keyState` decides through it, so the two cannot disagree.
 */
export function isRevokedAt(key: UsabilityFields, nowMs: number): boolean {
  return key.status === 'revoked' || (key.revokeAt !== null && key.revokeAt.getTime() <= nowMs);
}

export function keyState(key: KeyStateFields, now: Date | number): KeyState {
  if (!isRevokedAt(key, typeof now === 'number' ? now : now.getTime())) {
    return key.revokeAt === null ? { kind: 'active' } : { kind: 'stopping', at: key.revokeAt };
  }
  return key.status === 'revoked'
    ? { kind: 'revoked', at: key.revokedAt, reason: key.revokeReason, graceEnded: false }
    : { kind: 'revoked', at: key.revokeAt, reason: key.revokeReason, graceEnded: true };
}

/** Whether the key works now: active, or still inside a replacement's grace period (a kind added later: no). */
export function isUsable(state: KeyState): boolean {
  return state.kind === 'active' || state.kind === 'stopping';
}
