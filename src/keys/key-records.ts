import type { AuditSource } from '../audit/source.ts';
import type { AuditAction } from '../audit/types.ts';
import { AppError } from '../shared/errors.ts';
import type { KeyRepository } from './key-repository.ts';
import { keySnapshot } from './key-snapshot.ts';
import type { KeyTransaction } from './key-store.ts';
import type { ApiKey } from './types.ts';

export async function requireKey(repos: { keys: Pick<KeyRepository, 'findById'> }, id: string): Promise<ApiKey> {
  const key = await repos.keys.findById(id);
  if (key === undefined) {
    // Only an id-shaped value is repeated: a key pasted where its id belongs must not end up in an error message.
    const shown = /^key_[0-9A-Za-z]{1,40}$/.test(id)
      ? id
      : '(the value given is not a key id: ids look like key_AbC123…)';
    throw new AppError('KEY_NOT_FOUND', `No key with id ${shown}`, {
      facts: { keyId: shown === id ? id : undefined },
    });
  }
  return key;
}

/**
 * The tail of every change to an existing key, inside its transaction: the audit row with before and after, and
 * the notification that makes every /authz instance reload the key. Returns the key as it now is.
 */
export async function recordChange(
  repos: KeyTransaction,
  change: {
    actor: string;
    action: AuditAction;
    before: ApiKey;
    details?: Record<string, unknown> | undefined;
    source: AuditSource | undefined;
  },
): Promise<ApiKey> {
  const after = await requireKey(repos, change.before.id);
  await repos.audit.append({
    source: change.source,
    actor: change.actor,
    action: change.action,
    keyId: after.id,
    partnerId: change.before.partnerId ?? undefined,
    before: keySnapshot(change.before),
    after: keySnapshot(after),
    details: change.details,
  });
  await repos.changes.keyChanged(after.id);
  return after;
}
