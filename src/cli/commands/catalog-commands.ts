import type { Endpoint } from '../../catalog/types.ts';
import { parse } from '../args.ts';
import { command } from '../command.ts';
import { table } from '../format.ts';
import { USAGES } from '../usages.ts';

/** An endpoint matches a search when its `METHOD /path`, label or resource contains the text (any case). */
function matches(endpoint: Endpoint, search: string): boolean {
  const text = search.trim().toLowerCase();
  return [endpoint.id, endpoint.label, endpoint.resource].some((field) => field.toLowerCase().includes(text));
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
    const shown = catalog.endpoints.filter(
      (e) =>
        (values.legacy !== true || e.existedAtLegacyCutoff) &&
        (values.search === undefined || matches(e, values.search)),
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
        ['METHOD', 'PATH', 'LABEL', 'LEGACY'],
        ...shown.map((e) => [
          e.method,
          e.path,
          `${e.label}${e.deprecated ? ' (deprecated)' : ''}`,
          e.existedAtLegacyCutoff ? 'legacy' : '-',
        ]),
      ]),
    );
    const legacy = shown.filter((e) => e.existedAtLegacyCutoff).length;
    ctx.out(
      `\n${shown.length} of ${catalog.endpoints.length} endpoints. "legacy": a key created before the legacy cutoff may call it ` +
        `without a grant (${legacy} shown). Grant one with --grant "METHOD /path" or its label.`,
    );
    return 0;
  },
});
