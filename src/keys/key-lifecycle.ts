import { optionalReason } from '../shared/reason.ts';
import { checkLifetime, latestExpiry } from './expiry.ts';
import type { ChangeSource, KeyContext } from './key-context.ts';
import { recordChange, requireKey } from './key-records.ts';
import type { ApiKey } from './types.ts';

/** Stopping and restarting keys: revoke, re-enable, and the sweep that records scheduled revocations. */
export function createKeyLifecycle(ctx: KeyContext) {
  const { store, lifetime, now } = ctx;

  /**
   * The expiry a re-enabled key gets: the one asked for (within the maximum), else its own while that is still ahead
   * and within the maximum, else the maximum (or never without one).
   */
  function enableExpiry(key: ApiKey, requested: Date | null | undefined, at: Date): Date | null {
    if (requested !== undefined) return checkLifetime(lifetime, requested, at);
    const latest = latestExpiry(lifetime, at);
    const own = key.expiresAt;
    if (own !== null && own.getTime() > at.getTime() && (latest === null || own.getTime() <= latest.getTime()))
      return own;
    return latest;
  }

  return {
    /** Idempotent: revoking a revoked key changes nothing and writes no second audit row. */
    async revoke(
      id: string,
      input: { actor: string; reason?: string | undefined } & ChangeSource,
    ): Promise<{ key: ApiKey; changed: boolean }> {
      const reason = optionalReason(input.reason);
      return store.transaction(async (repos) => {
        const before = await requireKey(repos, id);
        const changed = await repos.keys.revoke(id, { by: input.actor, at: now(), reason });
        if (!changed) return { key: before, changed: false };
        const after = await recordChange(repos, {
          actor: input.actor,
          source: input.source,
          action: 'key.revoked',
          before,
          details: { reason },
        });
        return { key: after, changed: true };
      });
    },

    /** Re-enable: also cancels a revocation scheduled by replace. Idempotent like revoke. */
    async enable(
      id: string,
      input: { actor: string; expiresAt?: Date | null | undefined } & ChangeSource,
    ): Promise<{ key: ApiKey; changed: boolean }> {
      return store.transaction(async (repos) => {
        const before = await requireKey(repos, id);
        const at = now();
        const expiresAt = enableExpiry(before, input.expiresAt, at);
        const changed = await repos.keys.enable(id, { now: at, expiresAt });
        if (!changed) return { key: before, changed: false };
        const expiry =
          expiresAt?.getTime() === before.expiresAt?.getTime()
            ? undefined
            : { from: before.expiresAt?.toISOString() ?? null, to: expiresAt?.toISOString() ?? null };
        const after = await recordChange(repos, {
          actor: input.actor,
          source: input.source,
          action: 'key.enabled',
          before,
          details: expiry === undefined ? undefined : { expiry },
        });
        return { key: after, changed: true };
      });
    },

    /** Turns replace's scheduled revocations into recorded ones; enforcement already treats them as revoked. */
    async revokeDue(): Promise<string[]> {
      const due = await store.keys.dueForRevocation(now());
      const done: string[] = [];
      for (const key of due) {
        await store.transaction(async (repos) => {
          const changed = await repos.keys.revoke(key.id, {
            by: 'system',
            at: key.revokeAt ?? now(),
            reason: key.replacedBy === null ? 'scheduled revocation' : `replaced by ${key.replacedBy}`,
          });
          if (!changed) return;
          // The service's own sweep beside enforcement, which already stopped honouring the key at revokeAt.
          await recordChange(repos, {
            actor: 'system',
            source: 'authz',
            action: 'key.revoked',
            before: key,
            details: { reason: 'grace period ended', replacedBy: key.replacedBy },
          });
          done.push(key.id);
        });
      }
      return done;
    },
  };
}
