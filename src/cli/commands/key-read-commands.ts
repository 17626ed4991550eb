import type { KeyStatus } from '../../keys/types.ts';
import { parseWindow } from '../../keys/expiry.ts';
import { scopeOf } from '../../catalog/scopes.ts';
import { parse, positional } from '../args.ts';
import { command } from '../command.ts';
import { day, iso, keyJson, keyStatus, legacyLines, table } from '../format.ts';
import { UsageError } from '../usage-error.ts';
import { USAGES } from '../usages.ts';
import { expiryText } from './key-options.ts';

export const list = command({
  usage: USAGES.list,
  parse(argv) {
    const { values } = parse(
      argv,
      {
        status: { type: 'string' },
        partner: { type: 'string' },
        search: { type: 'string' },
        expiring: { type: 'string' },
      },
      this.usage,
    );
    if (values.status !== undefined && values.status !== 'active' && values.status !== 'revoked')
      throw new UsageError(`--status must be active or revoked\nusage: ${this.usage}`);
    return {
      ...values,
      status: values.status as KeyStatus | undefined,
      expiringWithinMs: values.expiring === undefined ? undefined : parseWindow(values.expiring),
    };
  },
  async run(ctx, values) {
    const partnerId = values.partner === undefined ? undefined : (await ctx.runtime.partners.get(values.partner)).id;
    const { keys, total } = await ctx.runtime.keys.list({
      status: values.status,
      partnerId,
      text: values.search,
      expiringWithinMs: values.expiringWithinMs,
      limit: 10_000,
    });
    if (values.json) {
      ctx.out(JSON.stringify(keys.map(keyJson)));
      return 0;
    }
    if (keys.length === 0) {
      ctx.out('No keys.');
      return 0;
    }
    const legacyCount = ctx.runtime.keys.legacyRule().endpoints.length;
    ctx.out(
      table([
        ['ID', 'CLIENT ID', 'DESCRIPTION', 'PARTNER', 'STATUS', 'PERMS', 'CREATED', 'LAST USED'],
        ...keys.map((k) => [
          k.id,
          k.clientId ?? '-',
          k.description.slice(0, 40),
          k.partnerName ?? '-',
          keyStatus(k),
          String(k.permissions.length) + (k.legacy ? `+${legacyCount} legacy` : ''),
          iso(k.createdAt),
          iso(k.lastUsedAt),
        ]),
      ]),
    );
    ctx.out(`${total} key(s)`);
    return 0;
  },
});

export const show = command({
  usage: USAGES.show,
  parse(argv) {
    const { values, positionals } = parse(argv, {}, this.usage, 1);
    return { json: values.json, id: positional(positionals, 0, 'id', this.usage) };
  },
  async run(ctx, { id, json }) {
    const key = await ctx.runtime.keys.get(id);
    const recent = await ctx.runtime.usage.summary(key.id);
    const rule = ctx.runtime.keys.legacyRule();
    if (json) {
      ctx.out(
        JSON.stringify({
          ...keyJson(key),
          ...(key.legacy ? { legacyCutoff: day(rule.cutoff), legacyEndpoints: rule.endpoints.map((e) => e.id) } : {}),
          usage: { ...recent, lastUsedAt: recent.lastUsedAt?.toISOString() ?? null },
        }),
      );
      return 0;
    }
    const catalog = ctx.runtime.catalog;
    ctx.out(
      [
        `${key.id}  ${key.description}`,
        `  status:      ${keyStatus(key)}${key.revokeReason ? ` (${key.revokeReason})` : ''}`,
        ...(key.clientId === null
          ? [`  key ends in: …${key.hint}`, `  API type:    ${key.apiType}`]
          : [
              `  client id:   ${key.clientId}`,
              `  secret ends: …${key.hint}`,
              `  API type:    ${key.apiType} v3 (OAuth client credentials)`,
            ]),
        `  partner:     ${key.partnerName ?? '-'}`,
        `  created:     ${iso(key.createdAt)} by ${key.createdBy}`,
        `  expiry:      ${expiryText(key.expiresAt)}`,
        ...(key.legacy ? legacyLines(key, rule) : []),
        ...(key.revokedAt ? [`  revoked:     ${iso(key.revokedAt)} by ${key.revokedBy}`] : []),
        ...(key.replacedBy ? [`  replaced by: ${key.replacedBy}`] : []),
        `  last used:   ${iso(recent.lastUsedAt)}`,
        `  last 7 days: ${recent.allowedLast7Days} allowed, ${recent.deniedLast7Days} denied requests`,
        `  networks:    ${key.allowedNetworks.length === 0 ? 'any address' : key.allowedNetworks.join(', ')}`,
        `  version:     ${key.version}`,
        `  ${key.legacy ? 'explicit grants' : 'permissions'} (${key.permissions.length})${key.permissions.length === 0 ? ': none' : ':'}`,
        ...key.permissions.map((p) => {
          const endpoint = catalog.byId.get(p);
          if (endpoint === undefined) return `    ${p}  [${p}] (not in the current catalog)`;
          const scope = key.clientId === null ? '' : `  scope ${scopeOf(catalog, endpoint)}`;
          return `    ${endpoint.label}  [${p}]${scope}${endpoint.deprecated ? ' (deprecated)' : ''}`;
        }),
      ].join('\n'),
    );
    return 0;
  },
});
