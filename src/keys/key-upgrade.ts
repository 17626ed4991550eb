import { latestExpiry } from './expiry.ts';
import type { ChangeSource, KeyContext } from './key-context.ts';
import type { IssueKey } from './key-issue.ts';
import { requireKey } from './key-records.ts';
import { alreadyReplaced, checkGrace, upgradeRefused } from './key-refusals.ts';
import { keyState } from './key-state.ts';
import { endForSuccessor } from './key-succession.ts';
import { replacementGrants } from './legacy-rule.ts';
import type { ApiKey, IssuedKey } from './types.ts';

/** A key's upgrade to a Harvest v3 client: the client's permissions (legacy ones made explicit) and expiry. */
export interface UpgradePlan {
  key: ApiKey;
  permissions: string[];
  /** How many of them the key could call only as a legacy key. */
  fromLegacy: number;
  expiresAt: Date | null;
}

/** "Upgrade to v3" keeps the old key working this long by default, so the partner can switch over. */
export const DEFAULT_UPGRADE_GRACE_SECONDS = 7 * 24 * 3600;

/** "Upgrade to v3": a key's move to a Harvest v3 client, previewed and carried out. */
export function createKeyUpgrade(ctx: KeyContext, issue: IssueKey) {
  const { store, legacy, lifetime, now } = ctx;

  /** The key's own end, kept (an upgrade does not lengthen what was agreed), within the maximum lifetime from now. */
  function upgradeExpiry(own: Date | null, at: Date): Date | null {
    const latest = latestExpiry(lifetime, at);
    if (latest === null) return own;
    return own === null || own.getTime() > latest.getTime() ? latest : own;
  }

  /** What upgrading this key makes, refused when it cannot be upgraded: for the upgrade itself and its approval. */
  function planUpgrade(old: ApiKey, at: Date): UpgradePlan {
    if (old.kind !== 'key')
      throw upgradeRefused(old, 'already_client', `${old.id} is already a Harvest v3 client (${old.clientId})`);
    if (old.replacedBy !== null)
      throw alreadyReplaced(old, at, `upgrade ${old.replacedBy} instead, or leave ${old.id} to end`);
    if (keyState(old, at).kind !== 'active')
      throw upgradeRefused(old, 'not_usable', `${old.id} no longer works: only a working key is upgraded`);
    const grants = replacementGrants(legacy, old);
    return {
      key: old,
      permissions: grants.permissions,
      fromLegacy: grants.fromLegacy,
      expiresAt: upgradeExpiry(old.expiresAt, at),
    };
  }

  return {
    /** What "Upgrade to v3" would make of this key (refused as the upgrade would be), without writing. */
    async previewUpgrade(id: string): Promise<UpgradePlan> {
      return planUpgrade(await requireKey(store, id), now());
    },

    /**
     * "Upgrade to v3": a Harvest v3 client with the key's permissions (a legacy key's implicit ones made explicit),
     * partner, networks and expiry; the key keeps working for the grace period (default 7 days) and then stops, like
     * a replaced key (its successor is the client). Audited as a replacement whose details say `upgrade`.
     */
    async upgrade(
      id: string,
      input: { actor: string; graceSeconds?: number | undefined } & ChangeSource,
    ): Promise<IssuedKey & { old: ApiKey; fromLegacy: number }> {
      const grace = input.graceSeconds ?? DEFAULT_UPGRADE_GRACE_SECONDS;
      checkGrace(grace);
      return store.transaction(async (repos) => {
        const old = await requireKey(repos, id);
        const at = now();
        const plan = planUpgrade(old, at);
        const partner = old.partnerId === null ? undefined : await repos.partners.findById(old.partnerId);
        const issued = await issue(
          repos,
          {
            actor: input.actor,
            source: input.source,
            description: old.description,
            partner,
            permissions: plan.permissions,
            expiresAt: plan.expiresAt,
            allowedNetworks: old.allowedNetworks,
            client: 'new',
          },
          { upgrades: old.id },
        );
        const after = await endForSuccessor(repos, now, {
          old,
          successorId: issued.key.id,
          revokeAt: new Date(at.getTime() + grace * 1000),
          grace,
          actor: input.actor,
          source: input.source,
          reason: `upgraded to ${issued.key.clientId}`,
          advice: 'upgrade that key instead',
          details: { upgrade: 'oauth_client', clientId: issued.key.clientId, fromLegacy: plan.fromLegacy },
        });
        return { ...issued, old: after, fromLegacy: plan.fromLegacy };
      });
    },
  };
}
