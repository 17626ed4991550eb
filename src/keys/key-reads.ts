import { type Decision, evaluate } from './evaluate.ts';
import type { LifetimePolicy } from './expiry.ts';
import type { KeyContext } from './key-context.ts';
import { requireKey } from './key-records.ts';
import type { LegacyRule } from './legacy-rule.ts';
import type { ApiKey, KeyFilter, KeyLinks } from './types.ts';

export type CheckResult =
  | { outcome: 'malformed'; reason: 'empty' | 'malformed' | 'checksum' }
  | { outcome: 'unknown' }
  /** A Harvest v3 client's secret: it buys access tokens, and is refused as an API key (as /authz does). */
  | { outcome: 'client_secret'; key: ApiKey }
  | { outcome: 'decided'; key: ApiKey; decision: Decision };

/** Reading keys and the rules they are read by: lookups, lists, replacement links, expiry and the database check. */
export function createKeyReads(ctx: KeyContext) {
  const { store, catalog, secretFormat, digest, legacy, lifetime, now } = ctx;

  return {
    /** KEY_MAX_LIFETIME_DAYS, for the dialogs' and the CLI's choices. */
    lifetime(): LifetimePolicy {
      return lifetime;
    },

    /** Which keys are legacy keys and the endpoints they may call without grants: shown wherever a legacy key is. */
    legacyRule(): LegacyRule {
      return legacy;
    },

    /**
     * The keys whose end is within `windowMs` from now, soonest first: what expiry reminders are about. Only a key's
     * own expiry counts. A replaced key is left out, its grace end too: whoever replaced it chose that end and handed
     * over the successor, and neither Replace nor Extend applies to it any more.
     */
    async expiringWithin(windowMs: number): Promise<ApiKey[]> {
      const at = now();
      return store.keys.expiringBetween(at, new Date(at.getTime() + windowMs));
    },

    async get(id: string): Promise<ApiKey> {
      return requireKey(store, id);
    },

    async list(filter: KeyFilter = {}): Promise<{ keys: ApiKey[]; total: number }> {
      return store.keys.list(filter);
    },

    /** The keys with these ids, by id (unknown ids are left out): names for notices that only hold ids. */
    async getMany(ids: readonly string[]): Promise<Map<string, ApiKey>> {
      const keys = await store.keys.findByIds([...new Set(ids)]);
      return new Map(keys.map((k) => [k.id, k]));
    },

    /** Each key's replacement links, both ways, by key id: two queries for a whole page of keys. */
    async links(keys: readonly ApiKey[]): Promise<Map<string, KeyLinks>> {
      const successorIds = [...new Set(keys.flatMap((k) => (k.replacedBy === null ? [] : [k.replacedBy])))];
      const [successors, predecessors] = await Promise.all([
        store.keys.findByIds(successorIds),
        store.keys.findReplacedBy(keys.map((k) => k.id)),
      ]);
      const byId = new Map(successors.map((k) => [k.id, k]));
      const byReplacement = new Map(predecessors.map((k) => [k.replacedBy, k]));
      const links = new Map<string, KeyLinks>();
      for (const key of keys) {
        const replacedBy = key.replacedBy === null ? undefined : byId.get(key.replacedBy);
        const replaces = byReplacement.get(key.id);
        if (replacedBy !== undefined || replaces !== undefined) links.set(key.id, { replacedBy, replaces });
      }
      return links;
    },

    /** The database-backed decision, for the CLI and tests; `/authz` answers the same from memory. */
    async check(secret: string, method: string, path: string): Promise<CheckResult> {
      const format = secretFormat.check(secret);
      if (!format.ok) return { outcome: 'malformed', reason: format.reason };
      const key = await store.keys.findByDigest(digest(secret));
      if (key === undefined) return { outcome: 'unknown' };
      if (key.clientId !== null) return { outcome: 'client_secret', key };
      return {
        outcome: 'decided',
        key,
        decision: evaluate(catalog, { ...key, permissions: new Set(key.permissions) }, method, path, now()),
      };
    },
  };
}
