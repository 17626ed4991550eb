import type { AuditSource } from '../audit/source.ts';
import type { Clock } from '../shared/clock.ts';
import type { ChangeSource, KeyContext } from './key-context.ts';
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

/** Undoing a replace or an upgrade whose successor never reached anyone. */
export function createKeySuccession(ctx: KeyContext) {
  const { store } = ctx;
  return {
    /**
     * The key `successorId` replaced (or upgraded) goes back to how it was before: no successor, no scheduled end, so
     * it can be replaced or upgraded again and keeps working meanwhile; a key the replace revoked at once stays
     * revoked. Only while that successor is revoked (its hand-over failed), not itself replaced, and still the key's
     * successor: a succession that worked, a later one, or one carried on by replacing the successor is never undone. Audited as `key.replacement_abandoned`. Returns the
     * key as it now is, or undefined when there was nothing to undo.
     */
    async abandonSuccession(
      successorId: string,
      input: { actor: string; reason: string } & ChangeSource,
    ): Promise<ApiKey | undefined> {
      return store.transaction(async (repos) => {
        const [old] = await repos.keys.findReplacedBy([successorId]);
        if (old === undefined) return undefined;
        if (!(await repos.keys.abandonSuccession(old.id, successorId))) return undefined;
        return recordChange(repos, {
          actor: input.actor,
          source: input.source,
          action: 'key.replacement_abandoned',
          before: old,
          details: { abandoned: successorId, reason: input.reason },
        });
      });
    },
  };
}
