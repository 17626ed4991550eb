import type { Catalog, Endpoint } from './types.ts';

const repeated = new WeakMap<Catalog, ReadonlySet<string>>();

/** Labels more than one endpoint of the catalog carries (e.g. a v1 and a v2 "DELETE: Destroy Openings"). */
function repeatedLabels(catalog: Catalog): ReadonlySet<string> {
  let labels = repeated.get(catalog);
  if (labels === undefined) {
    const seen = new Set<string>();
    const twice = new Set<string>();
    for (const endpoint of catalog.endpoints) {
      const label = endpoint.label.toLowerCase();
      if (seen.has(label)) twice.add(label);
      seen.add(label);
    }
    labels = twice;
    repeated.set(catalog, labels);
  }
  return labels;
}

/** Whether the endpoint's label alone does not say which endpoint it is. */
export function labelIsShared(catalog: Catalog, endpoint: Endpoint): boolean {
  return repeatedLabels(catalog).has(endpoint.label.toLowerCase());
}

/** The endpoint's name for people: its label, with its path where another endpoint has the same label. */
export function endpointName(catalog: Catalog, endpoint: Endpoint): string {
  return labelIsShared(catalog, endpoint) ? `${endpoint.label} · ${endpoint.path}` : endpoint.label;
}

/** Endpoint ids grouped by resource in catalog order, with each group's size; ids not in the catalog come last. */
export function groupByResource(
  catalog: Catalog,
  ids: Iterable<string>,
): { groups: { resource: string; endpoints: Endpoint[]; total: number }[]; unknown: string[] } {
  const wanted = new Set(ids);
  const groups = catalog.groups
    .map((group) => ({
      resource: group.resource,
      endpoints: group.endpoints.filter((e) => wanted.has(e.id)),
      total: group.endpoints.length,
    }))
    .filter((group) => group.endpoints.length > 0);
  return { groups, unknown: [...wanted].filter((id) => !catalog.byId.has(id)) };
}
