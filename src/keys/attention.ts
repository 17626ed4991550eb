import type { Clock } from '../shared/clock.ts';
import type { KeyService } from './key-service.ts';
import { isUsable, keyState } from './key-state.ts';
import type { ApiKey } from './types.ts';

/** Denials of a removed endpoint count towards a burst for this long after the edit (issue 16). */
export const BURST_WINDOW_MS = 10 * 60_000;
/** A key never used is worth a look this long after its creation. */
export const NEVER_USED_DAYS = 14;

const DAY_MS = 86_400_000;

/** An endpoint one edit took away from a key, and the denials counted for it since. */
export interface RemovalDenials {
  /** The edit's audit row. */
  editId: number;
  keyId: string;
  endpointId: string;
  /** Who made the edit, and when. */
  actor: string;
  at: Date;
  /** Denied requests of the key on the endpoint counted since the edit. */
  denied: number;
}

/** Some ids in the order to show them, and how many there are in all. */
export interface IdPage {
  ids: string[];
  total: number;
}

/** What the attention checks read; implemented over the usage counts and audit rows in `src/db/attention-store.ts`. */
export interface AttentionReader {
  /**
   * Every endpoint removed by a key edit made at or after `since`, with the key's denials on it since the edit: the
   * edit's UTC day (and the next, when the window crosses midnight) less the count snapshotted at the edit.
   */
  removalDenials(since: Date): Promise<RemovalDenials[]>;
  /** Keys that still work, used before but not since `before`: longest idle first. */
  idleSince(before: Date, limit: number): Promise<IdPage>;
  /** Keys that still work, never used, created before `createdBefore`: oldest first. */
  neverUsed(createdBefore: Date, limit: number): Promise<IdPage>;
}

/** Where an edit's removals are snapshotted (see `snapshotRemovals`). */
export interface DenialBaselines {
  /** Records the denials counted so far today for each endpoint taken away by the edit that made `keyVersion`. */
  record(keyId: string, keyVersion: number, endpointIds: readonly string[]): Promise<void>;
}

/** A delivery the partner has not confirmed in time (the delivery service's `unconfirmed()`). */
export interface UnconfirmedDelivery {
  id: string;
  keyId: string;
  contactSlackUserId: string | null;
  sentAt: Date | null;
}

export interface AttentionPolicy {
  /** ALERT_DENIED_BURST. */
  deniedBurst: number;
  /** UNUSED_KEY_DAYS. */
  unusedKeyDays: number;
  /**
   * How long past the 10-minute window an edit is still looked at: counts reach the database one usage flush after
   * the request, and a sweep runs once a minute.
   */
  lateMs: number;
}

/** A denial burst after an edit, with the key as it is now. */
export interface DenialBurst extends RemovalDenials {
  key: ApiKey;
}

export interface Listed<T> {
  items: T[];
  /** How many there are in all (`items` holds at most the limit asked for). */
  total: number;
}

export interface NeedsAttention {
  /** Not used for UNUSED_KEY_DAYS. */
  idle: Listed<ApiKey>;
  /** Never used, 14 days or more after creation. */
  neverUsed: Listed<ApiKey>;
  /** Delivered to a partner who has not confirmed receiving it; the key still works. */
  unconfirmed: Listed<{ delivery: UnconfirmedDelivery; key: ApiKey }>;
}

export function isEmpty(attention: NeedsAttention): boolean {
  return attention.idle.total + attention.neverUsed.total + attention.unconfirmed.total === 0;
}

export type AttentionService = ReturnType<typeof createAttentionService>;

/**
 * What an admin should look at: keys nobody uses (revoke them), keys never picked up by the partner, and a burst of
 * denials right after a permission was taken away (an integration still needs it).
 */
export function createAttentionService(deps: {
  reader: AttentionReader;
  keys: { getMany(ids: readonly string[]): Promise<Map<string, ApiKey>> };
  deliveries: { unconfirmed(): Promise<readonly UnconfirmedDelivery[]> };
  policy: AttentionPolicy;
  now?: Clock;
}) {
  const { reader, keys, policy } = deps;
  const now = deps.now ?? (() => new Date());

  // Stopping keys (replaced with a grace period) end by themselves: nothing to revoke.
  const working = (key: ApiKey | undefined, at: Date): key is ApiKey =>
    key !== undefined && key.revokeAt === null && isUsable(keyState(key, at));

  async function keysOf(page: IdPage, at: Date): Promise<Listed<ApiKey>> {
    const found = await keys.getMany(page.ids);
    const items = page.ids.map((id) => found.get(id)).filter((key) => working(key, at));
    return { items, total: page.total - (page.ids.length - items.length) };
  }

  return {
    policy,

    /**
     * Endpoints taken away in the last 10 minutes (and the flush and sweep delays) with at least ALERT_DENIED_BURST
     * denials since, on keys that still work and still lack the endpoint (a restored permission needs no alert).
     */
    async denialBursts(): Promise<DenialBurst[]> {
      const at = now();
      const removals = await reader.removalDenials(new Date(at.getTime() - BURST_WINDOW_MS - policy.lateMs));
      const bursts = removals.filter((r) => r.denied >= policy.deniedBurst);
      if (bursts.length === 0) return [];
      const found = await keys.getMany([...new Set(bursts.map((b) => b.keyId))]);
      return bursts.flatMap((burst) => {
        const key = found.get(burst.keyId);
        return working(key, at) && !key.permissions.includes(burst.endpointId) ? [{ ...burst, key }] : [];
      });
    },

    /** The digest's and the App Home's list: at most `limit` of each kind, with the totals. */
    async needsAttention(limit: number): Promise<NeedsAttention> {
      const at = now();
      const [idle, neverUsed, deliveries] = await Promise.all([
        reader.idleSince(new Date(at.getTime() - policy.unusedKeyDays * DAY_MS), limit),
        reader.neverUsed(new Date(at.getTime() - NEVER_USED_DAYS * DAY_MS), limit),
        deps.deliveries.unconfirmed(),
      ]);
      // Several deliveries of one key (a resend) are one thing to look at; a key no longer working is not one.
      const byKey = new Map<string, UnconfirmedDelivery>();
      for (const delivery of deliveries) if (!byKey.has(delivery.keyId)) byKey.set(delivery.keyId, delivery);
      const delivered = await keys.getMany([...byKey.keys()]);
      const unconfirmed = [...byKey.values()].flatMap((delivery) => {
        const key = delivered.get(delivery.keyId);
        return working(key, at) ? [{ delivery, key }] : [];
      });
      return {
        idle: await keysOf(idle, at),
        neverUsed: await keysOf(neverUsed, at),
        unconfirmed: { items: unconfirmed.slice(0, limit), total: unconfirmed.length },
      };
    },
  };
}

/**
 * Wraps the key service so every edit that takes endpoints away (Slack, CLI, an approved request) snapshots the
 * denials already counted for them: the burst alert counts only what came after. Done after the edit commits, so a
 * failing snapshot never undoes an edit; without one the alert counts the whole day.
 */
export function snapshotRemovals(
  keys: KeyService,
  baselines: DenialBaselines,
  onError: (error: unknown, keyId: string) => void,
): KeyService {
  return {
    ...keys,
    async edit(id, input) {
      const result = await keys.edit(id, input);
      if (result.changed && result.removed.length > 0) {
        await baselines.record(result.key.id, result.key.version, result.removed).catch((error: unknown) => {
          onError(error, result.key.id);
        });
      }
      return result;
    },
  };
}
