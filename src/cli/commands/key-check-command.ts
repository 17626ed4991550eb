import { NetworkMatcher, parseAddress } from '../../shared/networks.ts';
import { parse, positional, readStdin } from '../args.ts';
import { command } from '../command.ts';
import { UsageError } from '../usage-error.ts';
import { USAGES } from '../usages.ts';

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
