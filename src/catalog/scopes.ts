import { createHash } from 'node:crypto';
import type { Catalog, Endpoint } from './types.ts';

/**
 * OAuth scopes named from the catalog: one scope per endpoint, `<api>:<resource>:<action>` in lower snake case, e.g.
 * `harvest:candidates:list` (GET: List Candidates) or `harvest:applications:add_attachment_to_application`.
 *
 * - `<api>` is the catalog's name, `<resource>` the endpoint's resource group, `<action>` its label without the
 *   method; a trailing resource name is dropped when one word is left (`List Candidates` → `list`).
 * - Endpoints that would share a name (a v1 and a v2 with the same label) get their path's version appended
 *   (`…:destroy_openings_v1`, `…:destroy_openings_v2`), then their method, so every endpoint has its own scope.
 *
 * A scope is derived from the catalog alone, so every instance (and the CLI) names the same endpoint the same way.
 */
export interface CatalogScopes {
  /** Endpoint id → its scope. */
  readonly byEndpoint: ReadonlyMap<string, string>;
  /** Scope → its endpoint. */
  readonly byName: ReadonlyMap<string, Endpoint>;
  /** Endpoint id → the scope's 32-bit tag as access tokens carry it. */
  readonly tagOf: ReadonlyMap<string, number>;
  /** Tag → scope (for introspection). */
  readonly byTag: ReadonlyMap<number, string>;
}

const known = new WeakMap<Catalog, CatalogScopes>();

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function actionOf(endpoint: Endpoint, resource: string): string {
  const colon = endpoint.label.indexOf(': ');
  const action = slug(colon === -1 ? endpoint.label : endpoint.label.slice(colon + 2)) || slug(endpoint.method);
  const singular = resource.endsWith('s') ? resource.slice(0, -1) : resource;
  for (const suffix of [`_${resource}`, `_${singular}`]) {
    const head = action.slice(0, -suffix.length);
    if (action.endsWith(suffix) && head !== '' && !head.includes('_')) return head;
  }
  return action;
}

function versionOf(endpoint: Endpoint): string {
  return /^\/(v\d+)\//.exec(endpoint.path)?.[1] ?? 'v0';
}

/** The first four bytes of SHA-256: access tokens carry scopes as these (compact; the name is in the catalog). */
export function scopeTag(scope: string): number {
  return createHash('sha256').update(scope).digest().readUInt32BE(0);
}

/** The catalog's scopes, worked out once per catalog. */
export function catalogScopes(catalog: Catalog): CatalogScopes {
  const cached = known.get(catalog);
  if (cached !== undefined) return cached;
  const api = slug(catalog.name) || 'api';
  const first = new Map<string, Endpoint[]>();
  for (const endpoint of catalog.endpoints) {
    const resource = slug(endpoint.resource) || 'other';
    const name = `${api}:${resource}:${actionOf(endpoint, resource)}`;
    first.set(name, [...(first.get(name) ?? []), endpoint]);
  }
  const byEndpoint = new Map<string, string>();
  for (const [name, endpoints] of first) {
    if (endpoints.length === 1) {
      byEndpoint.set((endpoints[0] as Endpoint).id, name);
      continue;
    }
    const versions = new Set(endpoints.map(versionOf));
    endpoints.forEach((endpoint, i) => {
      let unique =
        versions.size === endpoints.length ? `${name}_${versionOf(endpoint)}` : `${name}_${slug(endpoint.method)}`;
      if (versions.size !== endpoints.length && new Set(endpoints.map((e) => e.method)).size !== endpoints.length)
        unique = `${name}_${i + 1}`;
      byEndpoint.set(endpoint.id, unique);
    });
  }
  const byName = new Map<string, Endpoint>();
  const tagOf = new Map<string, number>();
  const byTag = new Map<number, string>();
  for (const endpoint of catalog.endpoints) {
    const name = byEndpoint.get(endpoint.id) as string;
    byName.set(name, endpoint);
    const tag = scopeTag(name);
    tagOf.set(endpoint.id, tag);
    byTag.set(tag, name);
  }
  const scopes = { byEndpoint, byName, tagOf, byTag };
  known.set(catalog, scopes);
  return scopes;
}

export function scopeOf(catalog: Catalog, endpoint: Endpoint): string {
  return catalogScopes(catalog).byEndpoint.get(endpoint.id) as string;
}

/** The scopes of these grants (endpoint ids), in the grants' order; ids outside the catalog have none. */
export function scopeNames(catalog: Catalog, grants: readonly string[]): string[] {
  const { byEndpoint } = catalogScopes(catalog);
  return grants.flatMap((id) => {
    const scope = byEndpoint.get(id);
    return scope === undefined ? [] : [scope];
  });
}
