import type { IncomingMessage } from 'node:http';
import type { CatalogScopes } from '../catalog/scopes.ts';
import { stoppedAt } from '../keys/key-state.ts';
import type { Logger } from '../logger.ts';
import type { AccessTokenClaims, AccessTokens } from './access-token.ts';
import type { KeyIndex } from './key-index.ts';
import { Refusal } from './oauth-answer.ts';
import type { ClientAuthenticator } from './oauth-client-auth.ts';
import type { OAuthEvents } from './oauth-events.ts';
import type { RecentRevocations } from './recent-revocations.ts';

/** RFC 7662 introspection (`POST /oauth/introspect`) and RFC 7009 revocation (`POST /oauth/revoke`). */
export function createTokenStateEndpoints(deps: {
  scopes: CatalogScopes;
  tokens: AccessTokens;
  events: OAuthEvents;
  revokedHere: RecentRevocations;
  logger: Logger;
  authenticate: ClientAuthenticator;
}) {
  const { scopes, tokens, events, logger, authenticate } = deps;

  /** Whether a token is live for its client now: signed, unexpired, not revoked, its client row usable. */
  function liveClaims(index: KeyIndex, token: string, nowMs: number): AccessTokenClaims | undefined {
    const claims = tokens.verify(token);
    if (claims === undefined || claims.exp * 1000 <= nowMs) return undefined;
    const entry = index.entryOf(claims.keyId);
    if (entry === undefined || entry.clientId !== claims.clientId || stoppedAt(entry, nowMs) !== null) return undefined;
    if (entry.revokedTokens?.has(claims.jti) === true || deps.revokedHere.has(claims.jti)) return undefined;
    return claims;
  }

  function introspect(req: IncomingMessage, params: Map<string, string>, nowMs: number) {
    const client = authenticate(req, params, nowMs);
    const presented = params.get('token');
    if (presented === undefined || presented === '') throw new Refusal(400, 'invalid_request', 'token is missing.');
    const claims = liveClaims(client.index, presented, nowMs);
    // RFC 7662 §2.2: anything not active for this caller is just inactive, whatever the reason.
    if (claims === undefined || claims.clientId !== client.clientId) return { active: false };
    return {
      active: true,
      scope: [...claims.scopes].flatMap((tag) => scopes.byTag.get(tag) ?? []).join(' '),
      client_id: claims.clientId,
      token_type: 'Bearer',
      exp: claims.exp,
      iat: claims.iat,
      sub: claims.clientId,
      jti: claims.jti,
    };
  }

  async function revoke(req: IncomingMessage, params: Map<string, string>, nowMs: number): Promise<void> {
    const client = authenticate(req, params, nowMs);
    const presented = params.get('token');
    if (presented === undefined || presented === '') throw new Refusal(400, 'invalid_request', 'token is missing.');
    const claims = tokens.verify(presented);
    // RFC 7009 §2.2: an unknown, expired or foreign token is answered 200 all the same.
    if (claims === undefined || claims.clientId !== client.clientId || claims.exp * 1000 <= nowMs) return;
    try {
      await events.tokenRevoked({
        jti: claims.jti,
        keyId: claims.keyId,
        clientId: claims.clientId,
        expiresAt: new Date(claims.exp * 1000),
      });
    } catch (error) {
      logger.warn({ err: error, clientId: claims.clientId }, 'could not store a token revocation');
      throw new Refusal(503, 'temporarily_unavailable', 'The revocation could not be stored: try again.', {
        'retry-after': '1',
      });
    }
    deps.revokedHere.add(claims.jti, claims.exp * 1000, nowMs);
  }

  return { introspect, revoke };
}
