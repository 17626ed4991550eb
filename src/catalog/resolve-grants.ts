import type { Catalog } from './types.ts';
import { AppError } from '../shared/errors.ts';
import { suggestEndpoints } from './suggest.ts';

const GRANT = /^([A-Za-z]+)\s+(\/\S*)$/;
/** `GET: List Candidates`: a label, even when no endpoint has it. */
const LABEL = /^[A-Za-z]+:\s+\S/;

/**
 * Grants are written as the endpoint's template (`GET /v1/candidates/:id`) or as its label
 * (`GET: List Candidates`). Every bad grant is reported, not just the first.
 */
export function resolveGrants(catalog: Catalog, grants: readonly string[]): string[] {
  const ids = new Set<string>();
  const malformed: string[] = [];
  const unknown: string[] = [];
  for (const raw of grants) {
    const grant = raw.trim();
    const byLabel = catalog.endpoints.find((e) => e.label.toLowerCase() === grant.toLowerCase());
    if (byLabel !== undefined) {
      ids.add(byLabel.id);
      continue;
    }
    const parts = GRANT.exec(grant);
    if (parts === null && LABEL.test(grant)) {
      unknown.push(grant);
      continue;
    }
    if (parts === null) {
      malformed.push(raw);
      continue;
    }
    const id = `${(parts[1] as string).toUpperCase()} ${parts[2]}`;
    if (catalog.byId.has(id)) ids.add(id);
    else unknown.push(grant);
  }
  if (malformed.length > 0) {
    const grants = malformed.map(shown);
    throw new AppError(
      'GRANT_MALFORMED',
      `Malformed permission ${grants.join(', ')}: write it as "METHOD /path" (e.g. "GET /v1/candidates/:id") or as its label (e.g. "GET: List Candidates")`,
      { field: 'permissions', facts: { grants } },
    );
  }
  if (unknown.length > 0) {
    const grants = unknown.map((g) => JSON.stringify(g));
    // The nearest endpoints to each unknown grant (a typo): ids and labels side by side, closest first.
    const near = [
      ...new Map(unknown.flatMap((g) => suggestEndpoints(catalog, g)).map((e) => [e.id, e])).values(),
    ].slice(0, 5);
    const hint = near.length === 0 ? '' : ` (did you mean ${near.map((e) => JSON.stringify(e.id)).join(' or ')}?)`;
    throw new AppError(
      'UNKNOWN_ENDPOINT',
      `Not an endpoint of the ${catalog.name} catalog: ${grants.join(', ')}${hint}`,
      {
        field: 'permissions',
        facts: {
          grants,
          catalog: catalog.name,
          suggestions: near.map((e) => e.id),
          suggestionLabels: near.map((e) => e.label),
        },
      },
    );
  }
  return [...ids].sort();
}

/**
 * A malformed grant is quoted back only when it cannot be a key (keys are 16+ characters without spaces): an API key
 * pasted into the permission field must not come back in an error message, a log line or a Slack reply.
 */
function shown(grant: string): string {
  return /\s/.test(grant.trim()) || grant.trim().length < 16
    ? JSON.stringify(grant)
    : '(a value shaped like a key, not shown)';
}
