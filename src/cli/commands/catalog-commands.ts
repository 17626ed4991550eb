import type { Endpoint } from '../../catalog/types.ts';
import { catalogScopes } from '../../catalog/scopes.ts';
import { parse } from '../args.ts';
import { command } from '../command.ts';
import { table } from '../format.ts';
import { USAGES } from '../usages.ts';

/** An endpoint matches a search when its `METHOD /path`, label, resource or scope contains the text (any case). */
function matches(endpoint: Endpoint, search: string, scope: string): boolean {
  const text = search.trim().toLowerCase();
  return [endpoint.id, endpoint.label, endpoint.resource, scope].some((field) => field.toLowerCase().includes(text));
}

/**
 * `harvest-keys endpoints`: the catalog grants name, as `--grant` and `--add` take them (`METHOD /path` or the label).
 * `--legacy` keeps the endpoints a legacy key may call without an explicit grant (those that existed at the cutoff).
 */
export const endpoints = command({
  usage: USAGES.endpoints,
  parse(argv) {
    return parse(argv, { search: { type: 'string' }, legacy: { type: 'boolean' } }, this.usage).values;
  },
  async run(ctx, values) {
    const { catalog } = ctx.runtime;
    const scopes = catalogScopes(catalog).byEndpoint;
    const shown = catalog.endpoints.filter(
      (e) =>
        (values.legacy !== true || e.existedAtLegacyCutoff) &&
        (values.search === undefined || matches(e, values.search, scopes.get(e.id) ?? '')),
    );
    if (values.json) {
      ctx.out(
        JSON.stringify(
          shown.map((e) => ({
            id: e.id,
            method: e.method,
            path: e.path,
            label: e.label,
            resource: e.resource,
            scope: scopes.get(e.id),
            legacy: e.existedAtLegacyCutoff,
            deprecated: e.deprecated,
          })),
        ),
      );
      return 0;
    }
    if (shown.length === 0) {
      ctx.out(
        `No endpoint of the ${catalog.name} catalog matches${values.search === undefined ? '' : ` "${values.search}"`}.`,
      );
      return 0;
    }
    ctx.out(
      table([
        ['METHOD', 'PATH', 'LABEL', 'SCOPE', 'LEGACY'],
        ...shown.map((e) => [
          e.method,
          e.path,
          `${e.label}${e.deprecated ? ' (deprecated)' : ''}`,
          scopes.get(e.id) ?? '-',
          e.existedAtLegacyCutoff ? 'legacy' : '-',
        ]),
      ]),
    );
    const legacy = shown.filter((e) => e.existedAtLegacyCutoff).length;
    ctx.out(
      `\n${shown.length} of ${catalog.endpoints.length} endpoints. "legacy": a key created before the legacy cutoff may call it ` +
        `without a grant (${legacy} shown). Grant one with --grant "METHOD /path" or its label. "scope": its OAuth scope, ` +
        'which a Harvest v3 client holds for each granted endpoint and may ask for at POST /oauth/token.',
    );
    return 0;
  },
});
