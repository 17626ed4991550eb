import { AMBIGUOUS_TARGET, type Catalog, type Endpoint } from '../catalog/types.ts';
import { stoppedAt, type UsabilityFields } from './key-state.ts';
import type { ApiKey } from './types.ts';

export type EvaluableKey = UsabilityFields &
  Pick<ApiKey, 'legacy'> & {
    /** A list, or anything that answers `has` (a Set, or the enforcement index's shared bitsets). */
    permissions: GrantLookup | readonly string[];
  };

export interface GrantLookup {
  has(endpointId: string): boolean;
}

export type Decision =
  | { allowed: true; endpoint: Endpoint; via: 'grant' | 'legacy' }
  | { allowed: false; reason: 'revoked'; endpoint: Endpoint | undefined }
  | { allowed: false; reason: 'expired'; endpoint: Endpoint | undefined }
  | { allowed: false; reason: 'not_in_catalog'; endpoint: undefined }
  | { allowed: false; reason: 'ambiguous_target'; endpoint: undefined }
  | { allowed: false; reason: 'not_granted'; endpoint: Endpoint };

/**
 * The permission rule: explicit grants, plus (for keys created before the legacy cutoff) every endpoint that existed
 * at the cutoff. Endpoints outside the catalog are never allowed, whatever the key holds, and neither is a target an
 * upstream could route to another endpoint than the one it seems to name (`ambiguous_target`).
 */
export function evaluate(
  catalog: Catalog,
  key: EvaluableKey,
  method: string,
  path: string,
  now: Date | number = Date.now(),
): Decision {
  const routed = catalog.route(method, path);
  const endpoint = routed === AMBIGUOUS_TARGET ? undefined : routed;
  // keyState's rule without making a state: this runs for every /authz request.
  const stopped = stoppedAt(key, typeof now === 'number' ? now : now.getTime());
  if (stopped !== null)
    return stopped === 'revoked'
      ? { allowed: false, reason: 'revoked', endpoint }
      : { allowed: false, reason: 'expired', endpoint };
  if (routed === AMBIGUOUS_TARGET) return { allowed: false, reason: AMBIGUOUS_TARGET, endpoint: undefined };
  if (endpoint === undefined) return { allowed: false, reason: 'not_in_catalog', endpoint: undefined };
  const granted = isList(key.permissions) ? key.permissions.includes(endpoint.id) : key.permissions.has(endpoint.id);
  if (granted) return { allowed: true, endpoint, via: 'grant' };
  if (key.legacy && catalog.legacyEndpointIds.has(endpoint.id)) return { allowed: true, endpoint, via: 'legacy' };
  return { allowed: false, reason: 'not_granted', endpoint };
}

function isList(permissions: GrantLookup | readonly string[]): permissions is readonly string[] {
  return Array.isArray(permissions);
}
