import { scopeNames } from '../../catalog/scopes.ts';
import { parse, parseDuration, positional } from '../args.ts';
import { command } from '../command.ts';
import { iso, replacementLine } from '../format.ts';
import { UsageError } from '../usage-error.ts';
import { USAGES } from '../usages.ts';
import { expiryOf, expiryOptions, expiryText, many, networksLine } from './key-options.ts';

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
