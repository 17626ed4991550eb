import { AppError } from '../shared/errors.ts';
import { type KeyState, keyState } from './key-state.ts';
import type { ApiKey } from './types.ts';

export function checkGrace(grace: number): void {
  if (!Number.isFinite(grace) || grace < 0 || grace > 90 * 24 * 3600) {
    throw new AppError('GRACE_INVALID', 'Grace period must be between 0 and 90 days', {
      field: 'grace',
      facts: { maxDays: 90 },
    });
  }
}

export function upgradeRefused(key: ApiKey, problem: 'already_client' | 'not_usable', sentence: string): AppError {
  return new AppError('UPGRADE_REFUSED', sentence, { facts: { keyId: key.id, problem } });
}

/** A key is replaced at most once, so its successor and scheduled end are never overwritten. */
export function alreadyReplaced(key: ApiKey, now: Date, advice: string): AppError {
  const end = replacedKeyEnd(keyState(key, now));
  return new AppError('KEY_REPLACED', `Key ${key.id} was already replaced by ${key.replacedBy} (${end}): ${advice}`, {
    facts: {
      keyId: key.id,
      replacedBy: key.replacedBy ?? undefined,
      revoked: key.status === 'revoked',
      revokeAt: key.revokeAt?.toISOString(),
    },
  });
}

function replacedKeyEnd(state: KeyState): string {
  switch (state.kind) {
    case 'active':
      return 'it was kept active';
    case 'stopping':
      return `it stops working at ${state.at.toISOString()}`;
    case 'revoked':
      // A grace period that ran out before the sweep recorded the revocation: named by when it ended.
      return state.graceEnded && state.at !== null ? `it stops working at ${state.at.toISOString()}` : 'it is revoked';
    case 'expired':
      return `it expired at ${state.at.toISOString()}`;
    default:
      return state satisfies never;
  }
}

export function staleVersion(current: ApiKey): AppError {
  return new AppError(
    'STALE_VERSION',
    `Key ${current.id} was changed by someone else since you opened it (now at version ${current.version}): reload it and make your change again`,
    { facts: { keyId: current.id, version: current.version } },
  );
}
