import type { Catalog } from '../../catalog/types.ts';
import { LEGACY_MIGRATION_DAYS, MAX_WINDOW_DAYS, TRIM_DAYS, type UsageWindow } from '../../keys/insights.ts';
import type { ApiKey } from '../../keys/types.ts';
import { parse, positional } from '../args.ts';
import { command } from '../command.ts';
import { iso, table } from '../format.ts';
import { UsageError } from '../usage-error.ts';
import { USAGES } from '../usages.ts';

// `usage`, `trim` and `migrate-legacy` (issue 16): what a key called, and the least-privilege edits drawn from it.

const USAGE_DAYS = 30;
const windowOptions = { days: { type: 'string' } } as const;
const applyOptions = { ...windowOptions, apply: { type: 'boolean' } } as const;

/** `--days N`: a whole number of days from 1 to MAX_WINDOW_DAYS; absent: the command's default. */
function daysOf(value: string | undefined, fallback: number, usage: string): number {
  if (value === undefined) return fallback;
  const days = /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!(days >= 1 && days <= MAX_WINDOW_DAYS))
    throw new UsageError(`--days must be a whole number of days from 1 to ${MAX_WINDOW_DAYS}\nusage: ${usage}`);
  return days;
}

/** `GET: List Candidates  [GET /v1/candidates]`; ids outside the catalog as such. */
/** `trim` and `migrate-legacy` take the same arguments: a key, a window (its own default) and --apply. */
function planArgs(argv: string[], defaultDays: number, usage: string) {
  const { values, positionals } = parse(argv, applyOptions, usage, 1);
  return {
    json: values.json,
    apply: values.apply === true,
    id: positional(positionals, 0, 'id', usage),
    days: daysOf(values.days, defaultDays, usage),
  };
}

function endpointLine(catalog: Catalog, id: string): string {
  if (id === '-') return '(targets outside the catalog)';
  const endpoint = catalog.byId.get(id);
  return endpoint === undefined ? `${id}  (not in the current catalog)` : `${endpoint.label}  [${id}]`;
}

function windowText(window: UsageWindow): string {
  return `the last ${window.days} day(s) (since ${window.since})`;
}

/** Said whenever a judgement rests on fewer days than asked: a young key has not needed every grant yet. */
function youngerLine(key: ApiKey, window: UsageWindow): string[] {
  return window.keyYounger
    ? [
        `note: ${key.id} was created ${iso(key.createdAt)}, after the window began: a grant it has not used yet may simply not have been needed yet.`,
      ]
    : [];
}

function windowJson(window: UsageWindow) {
  return { days: window.days, since: window.since, keyYoungerThanWindow: window.keyYounger };
}

export const usage = command({
  usage: USAGES.usage,
  parse(argv) {
    const { values, positionals } = parse(argv, windowOptions, this.usage, 1);
    return {
      json: values.json,
      id: positional(positionals, 0, 'id', this.usage),
      days: daysOf(values.days, USAGE_DAYS, this.usage),
    };
  },
  async run(ctx, { id, days, json }) {
    const { catalog } = ctx.runtime;
    const report = await ctx.runtime.insights.usage(id, days);
    const { key } = report;
    const legacy = ctx.runtime.keys.legacyRule();
    const granted = (endpointId: string): string => {
      if (key.permissions.includes(endpointId)) return 'yes';
      if (key.legacy && legacy.endpoints.some((e) => e.id === endpointId)) return 'legacy';
      return endpointId === '-' ? '-' : 'no';
    };
    if (json) {
      ctx.out(
        JSON.stringify({
          id: key.id,
          ...windowJson(report.window),
          lastUsedAt: key.lastUsedAt,
          allowed: report.allowed,
          denied: report.denied,
          endpoints: report.endpoints.map((e) => ({
            endpoint: e.endpointId === '-' ? null : e.endpointId,
            permission: catalog.byId.get(e.endpointId)?.label ?? null,
            granted: granted(e.endpointId),
            allowed: e.allowed,
            denied: e.denied,
            lastDay: e.lastDay,
            lastAllowedDay: e.lastAllowedDay,
          })),
        }),
      );
      return 0;
    }
    ctx.out(`${key.id}  ${key.description}`);
    ctx.out(`  last used:  ${iso(key.lastUsedAt)}`);
    ctx.out(`  ${windowText(report.window)}: ${report.allowed} allowed, ${report.denied} denied request(s)`);
    for (const line of youngerLine(key, report.window)) ctx.out(`  ${line}`);
    if (report.endpoints.length === 0) {
      ctx.out('  No requests recorded in that window.');
      return 0;
    }
    ctx.out(
      table([
        ['ENDPOINT', 'GRANTED', 'ALLOWED', 'DENIED', 'LAST DAY'],
        ...report.endpoints.map((e) => [
          endpointLine(catalog, e.endpointId),
          granted(e.endpointId),
          String(e.allowed),
          String(e.denied),
          e.lastDay,
        ]),
      ]),
    );
    return 0;
  },
});

export const trim = command({
  usage: USAGES.trim,
  parse(argv) {
    return planArgs(argv, TRIM_DAYS, this.usage);
  },
  async run(ctx, { id, days, apply, json }) {
    const { catalog, insights } = ctx.runtime;
    const { plan, result } = apply
      ? await insights.trim(id, { actor: ctx.actor, days })
      : { plan: await insights.trimPlan(id, days), result: undefined };
    const { key, window, unused } = plan;
    if (json) {
      ctx.out(
        JSON.stringify({
          id: key.id,
          ...windowJson(window),
          unused,
          kept: plan.kept,
          applied: result?.changed === true,
          ...(result === undefined ? {} : { version: result.key.version, permissions: result.key.permissions }),
        }),
      );
      return 0;
    }
    const lines = youngerLine(key, window);
    if (unused.length === 0) {
      lines.push(
        key.permissions.length === 0
          ? `${key.id} has no explicit grants: nothing to trim.`
          : `${key.id}: each of its ${key.permissions.length} permission(s) had an allowed call in ${windowText(window)}; nothing to remove.`,
      );
    } else {
      lines.push(
        result === undefined
          ? `${key.id}: ${unused.length} of its ${key.permissions.length} permission(s) had no allowed call in ${windowText(window)}:`
          : `Removed ${unused.length} of the ${key.permissions.length} permission(s) of ${key.id} that had no allowed call in ${windowText(window)} (version ${result.key.version}):`,
        ...unused.map((p) => `  - ${endpointLine(catalog, p)}`),
      );
      if (result === undefined) lines.push(`Run again with --apply to remove them in one change.`);
    }
    if (key.legacy)
      lines.push(
        `${key.id} is a legacy key: trim leaves the endpoints it may call without grants; \`harvest-keys migrate-legacy ${key.id}\` narrows those.`,
      );
    for (const line of lines) ctx.out(line);
    return 0;
  },
});

export const migrateLegacy = command({
  usage: USAGES['migrate-legacy'],
  parse(argv) {
    return planArgs(argv, LEGACY_MIGRATION_DAYS, this.usage);
  },
  async run(ctx, { id, days, apply, json }) {
    const { catalog, insights } = ctx.runtime;
    const { plan, result } = apply
      ? await insights.migrateLegacy(id, { actor: ctx.actor, days })
      : { plan: await insights.legacyPlan(id, days), result: undefined };
    const { key, window, called, uncalled, permissions } = plan;
    if (permissions.length === 0) {
      ctx.warn(
        `warning: ${key.id} called none of its legacy endpoints in ${windowText(window)} and has no explicit grants: ` +
          `${result === undefined ? 'converted, every request with it would be denied' : 'every request with it is denied now'} (revoking says that more clearly).`,
      );
    }
    if (json) {
      ctx.out(
        JSON.stringify({
          id: key.id,
          ...windowJson(window),
          called,
          uncalled,
          permissions,
          applied: result !== undefined,
          ...(result === undefined ? {} : { version: result.key.version, legacy: result.key.legacy }),
        }),
      );
      return 0;
    }
    const total = called.length + uncalled.length;
    const lines = [
      ...youngerLine(key, window),
      `${key.id} is a legacy key: it may call ${total} legacy endpoint(s) without explicit grants. In ${windowText(window)} it called ${called.length} of them:`,
      ...(called.length === 0 ? ['  (none)'] : called.map((p) => `  + ${endpointLine(catalog, p)}`)),
      result === undefined
        ? `Converted, it may call ${permissions.length} endpoint(s): its ${key.permissions.length} explicit grant(s) plus those ${called.length}; the other ${uncalled.length} legacy endpoint(s) end with its implicit access.`
        : `Converted ${key.id} (version ${result.key.version}): those ${called.length} are explicit grants now and its implicit access has ended; it may call ${permissions.length} endpoint(s).`,
    ];
    if (result === undefined)
      lines.push('Run again with --apply to make them explicit grants and end the implicit access.');
    for (const line of lines) ctx.out(line);
    return 0;
  },
});
