import { readFile } from 'node:fs/promises';
import type { KeyStatus } from '../../keys/types.ts';
import { parse, parseDuration, positional, readStdin, unreadable } from '../args.ts';
import { command } from '../command.ts';
import { parseExpiry, parseWindow, timeUntil } from '../../keys/expiry.ts';
import { NetworkMatcher, parseAddress } from '../../shared/networks.ts';
import { scopeNames, scopeOf } from '../../catalog/scopes.ts';
import { day, iso, keyJson, keyStatus, legacyLines, replacementLine, table } from '../format.ts';
import { UsageError } from '../usage-error.ts';
import { USAGES } from '../usages.ts';

const many = { type: 'string', multiple: true } as const;
/** `--expires` and `--no-expiry`, on every command that sets a key's life. */
const expiryOptions = { expires: { type: 'string' }, 'no-expiry': { type: 'boolean' } } as const;

/** The expiry asked for: a Date, null (`--no-expiry`), or undefined (neither: the command's default). */
function expiryOf(values: { expires?: string | undefined; 'no-expiry'?: boolean | undefined }, usage: string) {
  if (values.expires !== undefined && values['no-expiry'] === true)
    throw new UsageError(`--expires and --no-expiry cannot both be given\nusage: ${usage}`);
  if (values['no-expiry'] === true) return null;
  return values.expires === undefined ? undefined : parseExpiry(values.expires, new Date());
}

/** `expires 2027-01-31T00:00:00Z (in 60 days)`, `expired 2026-…`, `never expires`. */
function expiryText(expiresAt: Date | null, now = new Date()): string {
  if (expiresAt === null) return 'never expires';
  return expiresAt.getTime() <= now.getTime()
    ? `expired ${iso(expiresAt)}`
    : `expires ${iso(expiresAt)} (${timeUntil(expiresAt, now)})`;
}

/** Where the key may be used from, in one line. */
function networksLine(networks: readonly string[]): string {
  return networks.length === 0
    ? 'Usable from any address.'
    : `Usable only from ${networks.length === 1 ? 'this network' : `these ${networks.length} networks`}: ${networks.join(', ')}`;
}

export const create = command({
  usage: USAGES.create,
  parse(argv) {
    const { values } = parse(
      argv,
      {
        type: { type: 'string' },
        description: { type: 'string' },
        partner: { type: 'string' },
        grant: many,
        all: { type: 'boolean' },
        'no-preset': { type: 'boolean' },
        ...expiryOptions,
        'allow-ip': many,
      },
      this.usage,
    );
    if (values.description === undefined && values.partner === undefined)
      throw new UsageError(`--description is required without --partner\nusage: ${this.usage}`);
    if (values.type !== undefined && values.type !== 'key' && values.type !== 'oauth')
      throw new UsageError(
        `--type must be key (a Harvest API key) or oauth (a Harvest v3 client)\nusage: ${this.usage}`,
      );
    return {
      ...values,
      kind: values.type === 'oauth' ? ('oauth_client' as const) : ('key' as const),
      expiresAt: expiryOf(values, this.usage),
    };
  },
  async run(ctx, values) {
    const grants = values.all ? ctx.runtime.catalog.endpoints.map((e) => e.id) : (values.grant ?? []);
    const issued = await ctx.runtime.keys.create({
      actor: ctx.actor,
      kind: values.kind,
      description: values.description,
      partner: values.partner,
      grants,
      applyPreset: !values['no-preset'],
      expiresAt: values.expiresAt,
      allowedNetworks: values['allow-ip'],
    });
    if (issued.key.permissions.length === 0) {
      // Still created (a key may be set up first and granted later), but a key that can call nothing is usually a slip.
      ctx.warn(
        `warning: ${issued.key.id} has no permissions: every request with it is denied until you grant some ` +
          `(harvest-keys edit ${issued.key.id} --add "GET /v1/users"; harvest-keys endpoints lists them).`,
      );
    }
    const client = issued.key.clientId;
    if (values.json) {
      const credential = client === null ? { key: issued.secret } : { client_id: client, client_secret: issued.secret };
      ctx.out(
        JSON.stringify({
          id: issued.key.id,
          ...credential,
          kind: issued.key.kind,
          permissions: issued.key.permissions,
          ...(client === null ? {} : { scopes: scopeNames(ctx.runtime.catalog, issued.key.permissions) }),
          allowedNetworks: issued.key.allowedNetworks,
          expiresAt: issued.key.expiresAt,
        }),
      );
    } else if (client !== null) {
      ctx.out(
        `Created Harvest v3 client ${client} (${issued.key.id}) "${issued.key.description}" with ${issued.key.permissions.length} scope(s); it ${expiryText(issued.key.expiresAt)}.`,
      );
      ctx.out(networksLine(issued.key.allowedNetworks));
      ctx.out(`Client id: ${client}`);
      ctx.out('Client secret (shown once, store it now; exchange it at POST /oauth/token):');
      ctx.out(issued.secret);
    } else {
      ctx.out(
        `Created ${issued.key.id} "${issued.key.description}" with ${issued.key.permissions.length} permission(s); it ${expiryText(issued.key.expiresAt)}.`,
      );
      ctx.out(networksLine(issued.key.allowedNetworks));
      ctx.out('API key (shown once, store it now):');
      ctx.out(issued.secret);
    }
    return 0;
  },
});

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

export const edit = command({
  usage: USAGES.edit,
  parse(argv) {
    const { values, positionals } = parse(
      argv,
      {
        add: many,
        remove: many,
        description: { type: 'string' },
        version: { type: 'string' },
        'allow-ip': many,
        'remove-ip': many,
        ...expiryOptions,
      },
      this.usage,
      1,
    );
    const id = positional(positionals, 0, 'id', this.usage);
    if (values.version !== undefined && !/^\d+$/.test(values.version))
      throw new UsageError(`--version must be a whole number\nusage: ${this.usage}`);
    return {
      ...values,
      id,
      expectedVersion: values.version === undefined ? undefined : Number(values.version),
      expiresAt: expiryOf(values, this.usage),
    };
  },
  async run(ctx, values) {
    const { id } = values;
    const result = await ctx.runtime.keys.edit(id, {
      actor: ctx.actor,
      add: values.add,
      remove: values.remove,
      description: values.description,
      expectedVersion: values.expectedVersion,
      expiresAt: values.expiresAt,
      addNetworks: values['allow-ip'],
      removeNetworks: values['remove-ip'],
    });
    if (values.json) {
      ctx.out(
        JSON.stringify({
          ...keyJson(result.key),
          changed: result.changed,
          added: result.added,
          removed: result.removed,
          networksAdded: result.networksAdded,
          networksRemoved: result.networksRemoved,
        }),
      );
    } else if (!result.changed) {
      ctx.out(`${id}: nothing to change.`);
    } else {
      ctx.out(`Updated ${id} (version ${result.key.version}).`);
      for (const a of result.added) ctx.out(`  + ${a}`);
      for (const r of result.removed) ctx.out(`  - ${r}`);
      if (result.expiry !== undefined) ctx.out(`  it now ${expiryText(result.key.expiresAt)}`);
      for (const n of result.networksAdded) ctx.out(`  + allowed network ${n}`);
      for (const n of result.networksRemoved) ctx.out(`  - allowed network ${n}`);
      if (result.networksAdded.length + result.networksRemoved.length > 0)
        ctx.out(networksLine(result.key.allowedNetworks));
    }
    return 0;
  },
});

/** `extend <id> --expires …`: the key's expiry alone (an edit that changes nothing else). */
export const extend = command({
  usage: USAGES.extend,
  parse(argv) {
    const { values, positionals } = parse(argv, expiryOptions, this.usage, 1);
    const id = positional(positionals, 0, 'id', this.usage);
    const expiresAt = expiryOf(values, this.usage);
    if (expiresAt === undefined) throw new UsageError(`give --expires or --no-expiry\nusage: ${this.usage}`);
    return { json: values.json, id, expiresAt };
  },
  async run(ctx, { id, json, expiresAt }) {
    const result = await ctx.runtime.keys.edit(id, { actor: ctx.actor, expiresAt });
    if (json) ctx.out(JSON.stringify({ ...keyJson(result.key), changed: result.changed }));
    else if (!result.changed) ctx.out(`${id}: nothing to change (it ${expiryText(result.key.expiresAt)}).`);
    else ctx.out(`${id} now ${expiryText(result.key.expiresAt)} (version ${result.key.version}).`);
    return 0;
  },
});

export const revoke = command({
  usage: USAGES.revoke,
  parse(argv) {
    const { values, positionals } = parse(argv, { reason: { type: 'string' } }, this.usage, 1);
    return { ...values, id: positional(positionals, 0, 'id', this.usage) };
  },
  async run(ctx, { id, reason, json }) {
    const { changed } = await ctx.runtime.keys.revoke(id, { actor: ctx.actor, reason });
    ctx.out(json ? JSON.stringify({ id, changed }) : changed ? `Revoked ${id}.` : `${id} was already revoked.`);
    return 0;
  },
});

export const enable = command({
  usage: USAGES.enable,
  parse(argv) {
    const { values, positionals } = parse(argv, expiryOptions, this.usage, 1);
    return {
      json: values.json,
      id: positional(positionals, 0, 'id', this.usage),
      expiresAt: expiryOf(values, this.usage),
    };
  },
  async run(ctx, { id, json, expiresAt }) {
    const { changed, key } = await ctx.runtime.keys.enable(id, { actor: ctx.actor, expiresAt });
    ctx.out(
      json
        ? JSON.stringify({ id, changed, expiresAt: key.expiresAt })
        : changed
          ? `Re-enabled ${id}; it ${expiryText(key.expiresAt)}.`
          : `${id} is already active.`,
    );
    return 0;
  },
});

export const replace = command({
  usage: USAGES.replace,
  parse(argv) {
    const { values, positionals } = parse(argv, { grace: { type: 'string' }, ...expiryOptions }, this.usage, 1);
    const id = positional(positionals, 0, 'id', this.usage);
    return {
      json: values.json,
      id,
      graceSeconds: values.grace === undefined ? 0 : parseDuration(values.grace),
      expiresAt: expiryOf(values, this.usage),
    };
  },
  async run(ctx, { id, json, graceSeconds, expiresAt }) {
    const issued = await ctx.runtime.keys.replace(id, { actor: ctx.actor, graceSeconds, expiresAt });
    const client = issued.key.clientId;
    if (json) {
      const credential = client === null ? { key: issued.secret } : { client_id: client, client_secret: issued.secret };
      ctx.out(JSON.stringify({ id: issued.key.id, ...credential, replaces: id, oldKeyRevokeAt: issued.old.revokeAt }));
    } else if (client !== null) {
      ctx.out(
        `New secret for client ${client} (${issued.key.id} replaces ${id}); the old secret ${graceSeconds === 0 ? 'is revoked now' : `stops working at ${iso(issued.old.revokeAt)}`}, and so do tokens issued with it.`,
      );
      ctx.out('Client secret (shown once, store it now):');
      ctx.out(issued.secret);
    } else {
      ctx.out(
        `Created ${issued.key.id} to replace ${id}; ${id} ${graceSeconds === 0 ? 'is revoked now' : `stops working at ${iso(issued.old.revokeAt)}`}.`,
      );
      ctx.out(replacementLine(issued.old, ctx.runtime.keys.legacyRule()));
      ctx.out('API key (shown once, store it now):');
      ctx.out(issued.secret);
    }
    return 0;
  },
});

/**
 * "Upgrade to v3": a Harvest v3 client with the key's permissions (a legacy key's made explicit), partner, networks
 * and expiry, printed once (encrypted hand-over to a partner contact is Slack's); the key stops after the grace.
 */
export const upgrade = command({
  usage: USAGES.upgrade,
  parse(argv) {
    const { values, positionals } = parse(argv, { grace: { type: 'string' } }, this.usage, 1);
    const id = positional(positionals, 0, 'id', this.usage);
    return {
      json: values.json,
      id,
      graceSeconds: values.grace === undefined ? undefined : parseDuration(values.grace),
    };
  },
  async run(ctx, { id, json, graceSeconds }) {
    const issued = await ctx.runtime.keys.upgrade(id, { actor: ctx.actor, graceSeconds });
    const client = issued.key.clientId as string;
    const ends = issued.old.status === 'revoked' ? 'is revoked now' : `stops working at ${iso(issued.old.revokeAt)}`;
    if (json) {
      ctx.out(
        JSON.stringify({
          id: issued.key.id,
          client_id: client,
          client_secret: issued.secret,
          kind: issued.key.kind,
          upgrades: id,
          oldKeyRevokeAt: issued.old.revokeAt,
          permissions: issued.key.permissions,
          fromLegacy: issued.fromLegacy,
          scopes: scopeNames(ctx.runtime.catalog, issued.key.permissions),
          allowedNetworks: issued.key.allowedNetworks,
          expiresAt: issued.key.expiresAt,
        }),
      );
      return 0;
    }
    ctx.out(
      `Upgraded ${id} to Harvest v3 client ${client} (${issued.key.id}) with ${issued.key.permissions.length} scope(s)` +
        `${issued.fromLegacy === 0 ? '' : `, ${issued.fromLegacy} of them legacy endpoints the key could call without a grant, now explicit`}; it ${expiryText(issued.key.expiresAt)}.`,
    );
    ctx.out(`${id} ${ends}: the partner switches to the client before then.`);
    ctx.out(networksLine(issued.key.allowedNetworks));
    ctx.out(`Client id: ${client}`);
    ctx.out('Client secret (shown once, store it now; exchange it at POST /oauth/token):');
    ctx.out(issued.secret);
    return 0;
  },
});

export const importCsv = command({
  usage: USAGES.import,
  parse(argv) {
    const { values, positionals } = parse(argv, {}, this.usage, 1);
    return { json: values.json, file: positional(positionals, 0, 'file.csv', this.usage) };
  },
  async run(ctx, { file, json }) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw unreadable(file, error);
    }
    const { imported } = await ctx.runtime.importKeys(bytes, ctx.actor);
    if (json) ctx.out(JSON.stringify(imported));
    else {
      ctx.out(`Imported ${imported.length} key(s) (${imported.filter((k) => k.legacy).length} legacy):`);
      for (const k of imported) ctx.out(`  ${k.id}  ${k.description}${k.legacy ? '  (legacy)' : ''}`);
    }
    return 0;
  },
});

const REASONS: Record<string, string> = {
  empty: 'no key given',
  malformed: 'the key is malformed',
  checksum: 'the key fails its checksum (mistyped or not issued by this service)',
};

type ClientAddress = { text: string; family: 4 | 6; words: Uint32Array };

/** `--from`: one IPv4 or IPv6 address (no network, no port), read by the parser /authz uses. */
function clientAddress(value: string, usage: string): ClientAddress {
  const text = value.trim();
  const words = new Uint32Array(4);
  const family = parseAddress(text, 0, text.length, words);
  if (family === 0)
    throw new UsageError(`--from must be one IPv4 or IPv6 address (e.g. 203.0.113.7, 2001:db8::1)\nusage: ${usage}`);
  return { text, family, words };
}

/** Whether /authz would refuse a key with these networks for a request from `from` (none given: refused). */
function refusedFrom(networks: readonly string[], from: ClientAddress | undefined): boolean {
  if (networks.length === 0) return false;
  if (from === undefined) return true;
  return !new NetworkMatcher(networks).contains(from.family, from.words);
}

export const check = command({
  usage: USAGES.check,
  async parse(argv, stdin) {
    const { values, positionals } = parse(argv, { from: { type: 'string' } }, this.usage, 3);
    const given = positional(positionals, 0, 'key', this.usage);
    const method = positional(positionals, 1, 'METHOD', this.usage);
    const path = positional(positionals, 2, 'path', this.usage);
    const from = values.from === undefined ? undefined : clientAddress(values.from, this.usage);
    // Read before the database is opened: the key never has to be typed on the command line.
    const secret = given === '-' ? (await readStdin(stdin)).trim() : given;
    return { json: values.json, secret, method, path, from };
  },
  async run(ctx, { json: asJson, secret, method, path, from }) {
    const result = await ctx.runtime.keys.check(secret, method, path);
    let allowed = false;
    let message: string;
    let json: Record<string, unknown>;
    if (result.outcome === 'malformed') {
      message = `denied: ${REASONS[result.reason]}`;
      json = { allowed, reason: result.reason };
    } else if (result.outcome === 'unknown') {
      message = 'denied: unknown key';
      json = { allowed, reason: 'unknown_key' };
    } else if (result.outcome === 'client_secret') {
      message = `denied: this is the secret of Harvest v3 client ${result.key.clientId} (${result.key.id}), not an API key: exchange it at POST /oauth/token for an access token`;
      json = { allowed, keyId: result.key.id, clientId: result.key.clientId, reason: 'client_secret' };
    } else if (
      !(!result.decision.allowed && (result.decision.reason === 'revoked' || result.decision.reason === 'expired')) &&
      refusedFrom(result.key.allowedNetworks, from)
    ) {
      // As /authz: a working key used from outside its networks is refused whatever it may call.
      const { key } = result;
      const networks = key.allowedNetworks.join(', ');
      message =
        from === undefined
          ? `denied: key ${key.id} may be used only from ${networks}; pass --from <address> to check one`
          : `denied: key ${key.id} may not be used from ${from.text}: it may be used only from ${networks}`;
      json = {
        allowed,
        keyId: key.id,
        reason: 'ip_not_allowed',
        clientAddress: from?.text ?? null,
        allowedNetworks: key.allowedNetworks,
      };
    } else {
      const { decision, key } = result;
      allowed = decision.allowed;
      const endpoint = decision.endpoint;
      if (decision.allowed)
        message = `allowed: ${key.id} may call ${decision.endpoint.label} [${decision.endpoint.id}]${decision.via === 'legacy' ? ' (legacy key: endpoint existed at the cutoff)' : ''}`;
      else if (decision.reason === 'revoked') message = `denied: key ${key.id} is revoked`;
      else if (decision.reason === 'expired') message = `denied: key ${key.id} has expired`;
      else if (decision.reason === 'ambiguous_target')
        message = `denied: ${method.toUpperCase()} ${path} is ambiguous (an upstream could route it to another endpoint)`;
      else if (decision.reason === 'not_in_catalog')
        message = `denied: ${method.toUpperCase()} ${path} is not an endpoint of the ${ctx.runtime.catalog.name} catalog`;
      else
        message = `denied: key ${key.id} does not have permission "${decision.endpoint.label}" [${decision.endpoint.id}]`;
      json = {
        allowed,
        keyId: key.id,
        endpoint: endpoint?.id ?? null,
        permission: endpoint?.label ?? null,
        ...(decision.allowed ? { via: decision.via } : { reason: decision.reason }),
      };
    }
    ctx.out(asJson ? JSON.stringify(json) : message);
    return allowed ? 0 : 1;
  },
});
