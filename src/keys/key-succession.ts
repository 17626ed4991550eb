import type { AuditSource } from '../audit/source.ts';
import type { Clock } from '../shared/clock.ts';
import { recordChange, requireKey } from './key-records.ts';
import { alreadyReplaced } from './key-refusals.ts';
import type { KeyTransaction } from './key-store.ts';
import type { ApiKey } from './types.ts';

/**
 * The old key's side of a replace or an upgrade, inside the transaction that issued its successor: the successor is
 * recorded and the key stops at `revokeAt` (revoked now without a grace), audited as `key.replaced`. Returns the key
 * as it now is.
 */
export async function endForSuccessor(
  repos: KeyTransaction,
  now: Clock,
  change: {
    old: ApiKey;
    successorId: string;
    revokeAt: Date;
    grace: number;
    actor: string;
    source: AuditSource | undefined;
    /** The revocation's reason when there is no grace. */
    reason: string;
    /** What to do instead, when a concurrent change recorded another successor first. */
    advice: string;
    details?: Record<string, unknown> | undefined;
  },
): Promise<ApiKey> {
  const { old, successorId, revokeAt } = change;
  // Records the successor either way; with a grace period it is also when enforcement stops honouring the key.
  // Refused (and the new key rolled back) when a concurrent replace recorded its successor first.
  if (!(await repos.keys.scheduleRevocation(old.id, revokeAt, successorId))) {
    throw alreadyReplaced(await requireKey(repos, old.id), now(), change.advice);
  }
  if (change.grace === 0) {
    await repos.keys.revoke(old.id, { by: change.actor, at: revokeAt, reason: change.reason });
  }
  return recordChange(repos, {
    actor: change.actor,
    source: change.source,
    action: 'key.replaced',
    before: old,
    details: { replacedBy: successorId, revokeAt: revokeAt.toISOString(), ...change.details },
  });
}
