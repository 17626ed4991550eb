import type { IncomingMessage, ServerResponse } from 'node:http';
import { catalogScopes } from '../catalog/scopes.ts';
import type { Catalog } from '../catalog/types.ts';
import type { SecretFormat } from '../keys/secret-format.ts';
import type { Logger } from '../logger.ts';
import type { AccessTokens } from './access-token.ts';
import { type ClientIpSource, DEFAULT_CLIENT_IP } from './client-address.ts';
import { createFailureLimiter, type FailureLimiter } from './failure-limiter.ts';
import type { IndexSync } from './index-sync.ts';
import { digestKey } from './key-index.ts';
import { Refusal, send } from './oauth-answer.ts';
import { createClientAuthenticator } from './oauth-client-auth.ts';
import type { OAuthEvents } from './oauth-events.ts';
import { createOAuthMetadata } from './oauth-metadata.ts';
import { OAUTH_PREFIX } from './oauth-paths.ts';
import { formParameters, readBody } from './oauth-request.ts';
import { createTokenEndpoint } from './oauth-token.ts';
import { createTokenStateEndpoints } from './oauth-token-state.ts';
import type { RecentRevocations } from './recent-revocations.ts';

export type { OAuthEvents } from './oauth-events.ts';
export { OAUTH_METADATA_PATH, OAUTH_PREFIX } from './oauth-paths.ts';

export interface OAuthServerDeps {
  sync: IndexSync;
  catalog: Catalog;
  secretFormat: SecretFormat;
  digest: ((secret: string) => Buffer) & { readonly latin1?: (secret: string) => string };
  tokens: AccessTokens;
  tokenTtlSeconds: number;
  /** OAUTH_ISSUER; unset: the scheme and host the request came to. */
  issuer?: string | undefined;
  events: OAuthEvents;
  revokedHere: RecentRevocations;
  logger: Logger;
  clientIp?: ClientIpSource | undefined;
  /** Failed authentications allowed per client id and per address in each window (defaults: 10 and 30 per minute). */
  limits?: { perClient: FailureLimiter; perAddress: FailureLimiter } | undefined;
}

/**
 * RFC 6749 §4.4 client credentials (`POST /oauth/token`), RFC 7662 introspection, RFC 7009 revocation and RFC 8414
 * metadata. Clients authenticate against the key index (secrets by their keyed digest, as keys are found by
 * /authz), so issuing a token costs no database round trip; failures are audited and rate-limited.
 */
export function createOAuthServer(deps: OAuthServerDeps) {
  const { sync, catalog, secretFormat, tokens, events, logger } = deps;
  const indexKey = deps.digest.latin1 ?? ((secret: string) => digestKey(deps.digest(secret)));
  const clientIp = deps.clientIp ?? DEFAULT_CLIENT_IP;
  const limits = deps.limits ?? {
    perClient: createFailureLimiter({ limit: 10, windowMs: 60_000 }),
    perAddress: createFailureLimiter({ limit: 30, windowMs: 60_000 }),
  };
  const scopes = catalogScopes(catalog);
  const authenticate = createClientAuthenticator({ sync, secretFormat, indexKey, events, logger, clientIp, limits });
  const token = createTokenEndpoint({ catalog, scopes, tokens, tokenTtlSeconds: deps.tokenTtlSeconds, authenticate });
  const { introspect, revoke } = createTokenStateEndpoints({
    scopes,
    tokens,
    events,
    revokedHere: deps.revokedHere,
    logger,
    authenticate,
  });

  return {
    metadata: createOAuthMetadata({ scopes, issuer: deps.issuer }),

    /** `POST /oauth/token`, `/oauth/introspect`, `/oauth/revoke`. */
    async handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
      const path = (req.url ?? '').split('?')[0];
      const action =
        path === `${OAUTH_PREFIX}/token`
          ? token
          : path === `${OAUTH_PREFIX}/introspect`
            ? introspect
            : path === `${OAUTH_PREFIX}/revoke`
              ? revoke
              : undefined;
      if (action === undefined) return send(res, 404, { error: 'not_found' }, requestId);
      if (req.method !== 'POST')
        return send(res, 405, { error: 'invalid_request', error_description: 'Use POST.' }, requestId, {
          allow: 'POST',
        });
      try {
        const params = formParameters(req, await readBody(req));
        const answer = await action(req, params, Date.now());
        send(res, 200, answer ?? undefined, requestId);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        send(res, error.status, { error: error.error, error_description: error.description }, requestId, error.headers);
      }
    },
  };
}

export type OAuthServer = ReturnType<typeof createOAuthServer>;
