import { groupByResource, labelIsShared } from '../../catalog/endpoint-names.ts';
import type { Catalog, Endpoint } from '../../catalog/types.ts';
import { code, escapeMrkdwn } from '../ui/escape.ts';

/**
 * An endpoint in mrkdwn: its label, with its path (as code: paths hold underscores) where the label is shared, and
 * deprecated ones marked.
 */
export function endpointText(catalog: Catalog, endpoint: Endpoint): string {
  const path = labelIsShared(catalog, endpoint) ? ` ${code(endpoint.path)}` : '';
  return `${escapeMrkdwn(endpoint.label)}${path}${endpoint.deprecated ? ' _(deprecated)_' : ''}`;
}

/**
 * A set of permissions as one line per resource, in catalog order: `• *Candidates* (all 15)` when the whole resource
 * is in it, its endpoints by name otherwise. 143 endpoints become at most 28 lines; ids the catalog no longer has
 * are listed last, as ids.
 */
export function permissionLines(catalog: Catalog, ids: Iterable<string>, marker = '•'): string[] {
  const { groups, unknown } = groupByResource(catalog, ids);
  return [
    ...groups.map((group) => {
      const heading = `${marker} *${escapeMrkdwn(group.resource)}*`;
      if (group.endpoints.length === group.total)
        return `${heading} (all ${group.total}${group.total === 1 ? `: ${endpointText(catalog, group.endpoints[0]!)}` : ''})`;
      return `${heading} (${group.endpoints.length} of ${group.total}): ${group.endpoints.map((e) => endpointText(catalog, e)).join(', ')}`;
    }),
    ...unknown.map((id) => `${marker} ${code(id)} (no longer in the catalog)`),
  ];
}
