import type { Catalog, Endpoint } from './types.ts';

/** Levenshtein distance, case already folded by the caller; stops counting past `limit` (returns limit + 1). */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      current.push(value);
      if (value < best) best = value;
    }
    if (best > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The catalog endpoints closest to a grant that names none (a typo in a path or label): by edit distance to the
 * endpoint's `METHOD /path` or its label, whichever is nearer, within about a third of the grant's length. Closest
 * first, at most `limit`.
 */
export function suggestEndpoints(catalog: Catalog, grant: string, limit = 3): Endpoint[] {
  const wanted = grant.trim().toLowerCase().replace(/\s+/g, ' ');
  if (wanted === '') return [];
  const threshold = Math.max(2, Math.floor(wanted.length / 3));
  const scored: { endpoint: Endpoint; distance: number; order: number }[] = [];
  catalog.endpoints.forEach((endpoint, order) => {
    const distance = Math.min(
      editDistance(wanted, endpoint.id.toLowerCase(), threshold),
      editDistance(wanted, endpoint.label.toLowerCase(), threshold),
    );
    if (distance <= threshold) scored.push({ endpoint, distance, order });
  });
  return scored
    .sort((a, b) => a.distance - b.distance || a.order - b.order)
    .slice(0, limit)
    .map((s) => s.endpoint);
}
