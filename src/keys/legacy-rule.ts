import type { Catalog, Endpoint } from '../catalog/types.ts';
import type { ApiKey } from './types.ts';

/**
 * The legacy rule (README "Keys"): a key created before the cutoff (LEGACY_CUTOFF) may call every endpoint that
 * existed then without an explicit grant; endpoints added later need explicit grants like any key's.
 */
export interface LegacyRule {
  cutoff: Date;
  /** The endpoints that existed at the cutoff, in catalog order. */
  endpoints: readonly Endpoint[];
}

export function legacyRule(catalog: Catalog, cutoff: Date): LegacyRule {
  return { cutoff, endpoints: catalog.endpoints.filter((e) => catalog.legacyEndpointIds.has(e.id)) };
}

/** What a replacement of the key is granted, and where each part comes from. */
export interface ReplacementGrants {
  /** The new key's permissions: the old key's explicit grants plus, for a legacy key, the legacy endpoints. */
  permissions: string[];
  /** The old key's explicit grants. */
  explicit: number;
  /** Legacy endpoints the old key could call without a grant, explicit grants on the new key (which is not legacy). */
  fromLegacy: number;
}

export function replacementGrants(rule: LegacyRule, key: Pick<ApiKey, 'legacy' | 'permissions'>): ReplacementGrants {
  const explicit = new Set(key.permissions);
  if (!key.legacy) return { permissions: [...key.permissions], explicit: explicit.size, fromLegacy: 0 };
  const fromLegacy = rule.endpoints.map((e) => e.id).filter((id) => !explicit.has(id));
  return { permissions: [...explicit, ...fromLegacy].sort(), explicit: explicit.size, fromLegacy: fromLegacy.length };
}
