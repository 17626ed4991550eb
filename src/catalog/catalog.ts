import { normalizeRequestPath, PathMatcher } from './path-matcher.ts';
import { AMBIGUOUS_TARGET, type Catalog, type Endpoint } from './types.ts';

export function createCatalog(name: string, endpoints: readonly Endpoint[]): Catalog {
  const matcher = new PathMatcher();
  const byId = new Map<string, Endpoint>();
  const groups = new Map<string, Endpoint[]>();
  for (const endpoint of endpoints) {
    matcher.add(endpoint);
    byId.set(endpoint.id, endpoint);
    const group = groups.get(endpoint.resource);
    if (group === undefined) groups.set(endpoint.resource, [endpoint]);
    else group.push(endpoint);
  }
  function route(method: string, path: string): Endpoint | typeof AMBIGUOUS_TARGET | undefined {
    const segments = normalizeRequestPath(path);
    if (segments === undefined) return AMBIGUOUS_TARGET;
    const upper = method.toUpperCase();
    return matcher.match(upper === 'HEAD' ? 'GET' : upper, segments);
  }
  return {
    name,
    endpoints,
    byId,
    groups: [...groups].map(([resource, list]) => ({ resource, endpoints: list })),
    legacyEndpointIds: new Set(endpoints.filter((e) => e.existedAtLegacyCutoff).map((e) => e.id)),
    match(method, path) {
      const found = route(method, path);
      return found === AMBIGUOUS_TARGET ? undefined : found;
    },
    route,
  };
}
