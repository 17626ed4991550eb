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

export type KeyStateFields = Pick<ApiKey, 'status' | 'revokeAt' | 'revokedAt' | 'revokeReason'>;

export function keyState(key: KeyStateFields, now: Date | number): KeyState {
  const nowMs = typeof now === 'number' ? now : now.getTime();
  if (key.status === 'revoked') {
    return { kind: 'revoked', at: key.revokedAt, reason: key.revokeReason, graceEnded: false };
  }
  if (key.revokeAt !== null) {
    return key.revokeAt.getTime() <= nowMs
      ? { kind: 'revoked', at: key.revokeAt, reason: key.revokeReason, graceEnded: true }
      : { kind: 'stopping', at: key.revokeAt };
  }
  return { kind: 'active' };
}

/** Whether the key works now: active, or still inside a replacement's grace period. */
export function isUsable(state: KeyState): boolean {
  return state.kind !== 'revoked';
}
