import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CatalogScopes } from '../catalog/scopes.ts';
import { send } from './oauth-answer.ts';
import { OAUTH_PREFIX } from './oauth-paths.ts';

/** RFC 8414 metadata: `/.well-known/oauth-authorization-server`. */
export function createOAuthMetadata(deps: { scopes: CatalogScopes; issuer?: string | undefined }) {
  const { scopes } = deps;

  function issuerOf(req: IncomingMessage): string {
    if (deps.issuer !== undefined) return deps.issuer;
    const proto =
      String(req.headers['x-forwarded-proto'] ?? 'http')
        .split(',')[0]
        ?.trim() || 'http';
    const host = String(req.headers['x-forwarded-host'] ?? req.headers.host ?? 'localhost')
      .split(',')[0]
      ?.trim();
    return `${proto === 'https' ? 'https' : 'http'}://${/^[A-Za-z0-9.:[\]-]+$/.test(host ?? '') ? host : 'localhost'}`;
  }

  /** `/.well-known/oauth-authorization-server` (RFC 8414). */
  return function metadata(req: IncomingMessage, res: ServerResponse, requestId: string) {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, { error: 'method_not_allowed' }, requestId, { allow: 'GET' });
    const issuer = issuerOf(req);
    const methods = ['client_secret_basic', 'client_secret_post'];
    send(
      res,
      200,
      {
        issuer,
        token_endpoint: `${issuer}${OAUTH_PREFIX}/token`,
        introspection_endpoint: `${issuer}${OAUTH_PREFIX}/introspect`,
        revocation_endpoint: `${issuer}${OAUTH_PREFIX}/revoke`,
        grant_types_supported: ['client_credentials'],
        response_types_supported: [],
        token_endpoint_auth_methods_supported: methods,
        introspection_endpoint_auth_methods_supported: methods,
        revocation_endpoint_auth_methods_supported: methods,
        scopes_supported: [...scopes.byName.keys()],
      },
      requestId,
    );
  };
}
