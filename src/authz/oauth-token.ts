import type { IncomingMessage } from 'node:http';
import type { CatalogScopes } from '../catalog/scopes.ts';
import type { Catalog } from '../catalog/types.ts';
import type { AccessTokens } from './access-token.ts';
import type { IndexEntry } from './key-index.ts';
import { Refusal, safe } from './oauth-answer.ts';
import type { ClientAuthenticator } from './oauth-client-auth.ts';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** RFC 6749 §4.4 client credentials: `POST /oauth/token`. */
export function createTokenEndpoint(deps: {
  catalog: Catalog;
  scopes: CatalogScopes;
  tokens: AccessTokens;
  tokenTtlSeconds: number;
  authenticate: ClientAuthenticator;
}) {
  const { catalog, scopes, tokens, authenticate } = deps;

  /** Every scope the client holds now, in catalog order. */
  function heldScopes(entry: IndexEntry): string[] {
    const held: string[] = [];
    for (const endpoint of catalog.endpoints)
      if (entry.permissions.has(endpoint.id)) held.push(scopes.byEndpoint.get(endpoint.id) as string);
    return held;
  }

  function token(req: IncomingMessage, params: Map<string, string>, nowMs: number) {
    const grant = params.get('grant_type');
    if (grant === undefined || grant === '') throw new Refusal(400, 'invalid_request', 'grant_type is missing.');
    if (grant !== 'client_credentials')
      throw new Refusal(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
    const client = authenticate(req, params, nowMs);
    const held = heldScopes(client.entry);
    const asked = params.get('scope');
    let granted: string[];
    if (asked === undefined) {
      if (held.length === 0)
        throw new Refusal(
          400,
          'invalid_scope',
          `The client ${client.clientId} holds no permissions, so no scope can be granted.`,
        );
      granted = held;
    } else {
      const names = asked.split(' ');
      if (names.some((name) => !SCOPE_TOKEN.test(name)))
        throw new Refusal(400, 'invalid_scope', 'scope is a list of scope names separated by single spaces.');
      const holding = new Set(held);
      const missing = names.filter((name) => !holding.has(name));
      if (missing.length > 0)
        throw new Refusal(
          400,
          'invalid_scope',
          `The client does not hold ${missing.length === 1 ? 'this scope' : 'these scopes'}: ${missing.slice(0, 5).map(safe).join(', ')}${missing.length > 5 ? ', …' : ''}.`,
        );
      granted = [...new Set(names)];
    }
    const iat = Math.floor(nowMs / 1000);
    let exp = iat + deps.tokenTtlSeconds;
    // A token never outlives its client's own end (expiry, or the grace of a replaced secret).
    const { expiresAt, revokeAt } = client.entry;
    if (expiresAt !== null) exp = Math.min(exp, Math.floor(expiresAt / 1000));
    if (revokeAt !== null) exp = Math.min(exp, Math.floor(revokeAt.getTime() / 1000));
    if (exp <= iat)
      throw new Refusal(400, 'unauthorized_client', `The client ${client.clientId} stops working within a second.`);
    const issued = tokens.issue({
      keyId: client.entry.keyId,
      clientId: client.clientId,
      scopes: new Set(
        granted.map((name) => scopes.tagOf.get((scopes.byName.get(name) as { id: string }).id) as number),
      ),
      iat,
      exp,
    });
    return {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: Math.max(0, exp - iat),
      scope: granted.join(' '),
    };
  }

  return token;
}
