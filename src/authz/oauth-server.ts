import type { IncomingMessage, ServerResponse } from 'node:http';
import { catalogScopes } from '../catalog/scopes.ts';
import type { Catalog } from '../catalog/types.ts';
import { stoppedAt } from '../keys/key-state.ts';
import type { SecretFormat } from '../keys/secret-format.ts';
import type { Logger } from '../logger.ts';
import type { AccessTokenClaims, AccessTokens } from './access-token.ts';
import { type ClientIpSource, DEFAULT_CLIENT_IP, refusedAddress, reportedAddress } from './client-address.ts';
import { createFailureLimiter, type FailureLimiter } from './failure-limiter.ts';
import type { IndexSync } from './index-sync.ts';
import { digestKey, type IndexEntry, type KeyIndex } from './key-index.ts';
import type { RecentRevocations } from './recent-revocations.ts';

export const OAUTH_PREFIX = '/oauth';
export const OAUTH_METADATA_PATH = '/.well-known/oauth-authorization-server';

/** Far above any real request (a client id, a secret and a few hundred scopes). */
const MAX_BODY_BYTES = 16 * 1024;
const CLIENT_ID = /^hkc_[0-9A-Za-z]{24}$/;
/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** What the OAuth endpoints write (implemented over the database in src/db/oauth-events.ts). */
export interface OAuthEvents {
  /** A failed client authentication, for the audit trail: who was claimed, from where, why; never the secret. */
  clientAuthFailed(event: { clientId: string | null; address: string; reason: string; method: string }): Promise<void>;
  /** Keeps a revoked token's id until its expiry and tells every instance (a change to the client's row). */
  tokenRevoked(token: { jti: string; keyId: string; clientId: string; expiresAt: Date }): Promise<void>;
}

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

type OAuthError =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'temporarily_unavailable';

class Refusal {
  constructor(
    readonly status: number,
    readonly error: OAuthError,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

interface AuthenticatedClient {
  entry: IndexEntry;
  clientId: string;
  index: KeyIndex;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json;charset=UTF-8' }),
    'content-length': String(bytes.length),
    // RFC 6749 §5.1: token answers (and, here, every OAuth answer) are never cached.
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'x-request-id': requestId,
    ...headers,
  });
  res.end(bytes);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      reject(new Refusal(413, 'invalid_request', `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Refusal(413, 'invalid_request', `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** §3.2: form-encoded parameters, each at most once. */
function formParameters(req: IncomingMessage, body: Buffer): Map<string, string> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw new Refusal(400, 'invalid_request', 'Send the parameters as application/x-www-form-urlencoded.');
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    if (params.has(name))
      throw new Refusal(400, 'invalid_request', `The parameter ${safe(name)} is given more than once.`);
    params.set(name, value);
  }
  return params;
}

/** A name from the request, repeated in an answer only when it is short and plain. */
function safe(text: string): string {
  return /^[\x20-\x7e]{1,64}$/.test(text) && !/["\\]/.test(text) ? `"${text}"` : '(not shown)';
}

/** §2.3.1: each part of Basic credentials is form-urlencoded before base64. */
function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
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
  const basicChallenge = 'Basic realm="harvest-keys oauth", charset="UTF-8"';

  function addressOf(req: IncomingMessage): string {
    return reportedAddress(req.headers, clientIp) || req.socket.remoteAddress || '';
  }

  function currentIndex(): KeyIndex {
    const index = sync.current();
    if (index === undefined || sync.freshness(Date.now()) !== 'fresh')
      throw new Refusal(
        503,
        'temporarily_unavailable',
        'Client decisions are unavailable: the key index is not current.',
        {
          'retry-after': '1',
        },
      );
    return index;
  }

  function failed(
    req: IncomingMessage,
    clientId: string | null,
    reason: string,
    method: string,
    nowMs: number,
    usedBasic: boolean,
  ): Refusal {
    const address = addressOf(req);
    if (clientId !== null) limits.perClient.recordFailure(clientId, nowMs);
    if (address !== '') limits.perAddress.recordFailure(address, nowMs);
    events
      .clientAuthFailed({ clientId, address, reason, method })
      .catch((error: unknown) =>
        logger.warn({ err: error, clientId, reason }, 'could not audit a failed client authentication'),
      );
    return new Refusal(
      401,
      'invalid_client',
      'Client authentication failed: unknown client, wrong secret, or a client id and secret that do not belong together.',
      usedBasic ? { 'www-authenticate': basicChallenge } : {},
    );
  }

  /** §2.3.1: HTTP Basic or client_secret_post, never both; the client as the live index knows it. */
  function authenticate(req: IncomingMessage, params: Map<string, string>, nowMs: number): AuthenticatedClient {
    const authorization = req.headers.authorization;
    let clientId: string | undefined;
    let secret: string | undefined;
    let method = 'client_secret_post';
    const usedBasic = authorization !== undefined;
    if (authorization !== undefined) {
      method = 'client_secret_basic';
      const space = authorization.indexOf(' ');
      const scheme = space === -1 ? authorization : authorization.slice(0, space);
      const decoded =
        scheme.toLowerCase() === 'basic'
          ? Buffer.from(authorization.slice(space + 1).trim(), 'base64').toString('utf8')
          : '';
      const colon = decoded.indexOf(':');
      if (colon === -1)
        throw new Refusal(401, 'invalid_client', 'Send the client id and secret as HTTP Basic credentials.', {
          'www-authenticate': basicChallenge,
        });
      clientId = formDecode(decoded.slice(0, colon));
      secret = formDecode(decoded.slice(colon + 1));
      if (params.has('client_secret'))
        throw new Refusal(
          400,
          'invalid_request',
          'Use one client authentication method: HTTP Basic or client_secret in the body, not both.',
        );
      const named = params.get('client_id');
      if (named !== undefined && named !== clientId)
        throw new Refusal(
          400,
          'invalid_request',
          'The client_id in the body is not the one in the Authorization header.',
        );
    } else {
      clientId = params.get('client_id');
      secret = params.get('client_secret');
    }
    if (clientId === undefined || clientId === '' || secret === undefined || secret === '') {
      throw new Refusal(
        401,
        'invalid_client',
        'No client authentication: send client_id and client_secret (HTTP Basic or in the body).',
        { 'www-authenticate': basicChallenge },
      );
    }
    const shownId = CLIENT_ID.test(clientId) ? clientId : null;
    const address = addressOf(req);
    const wait = Math.max(
      shownId === null ? 0 : limits.perClient.blockedFor(shownId, nowMs),
      address === '' ? 0 : limits.perAddress.blockedFor(address, nowMs),
    );
    if (wait > 0)
      throw new Refusal(
        429,
        'temporarily_unavailable',
        `Too many failed client authentications for this client or from this address: try again in ${wait} s.`,
        { 'retry-after': String(wait) },
      );
    if (shownId === null) throw failed(req, null, 'malformed_client_id', method, nowMs, usedBasic);
    const index = currentIndex();
    if (!secretFormat.check(secret).ok) throw failed(req, shownId, 'malformed_secret', method, nowMs, usedBasic);
    const entry = index.lookup(indexKey(secret));
    if (entry === undefined) throw failed(req, shownId, 'unknown_secret', method, nowMs, usedBasic);
    if (entry.clientId === null)
      throw new Refusal(
        400,
        'unauthorized_client',
        'This secret is a Harvest API key, not a Harvest v3 client secret: send it to the API as it is.',
      );
    if (entry.clientId !== shownId) throw failed(req, shownId, 'client_id_mismatch', method, nowMs, usedBasic);
    const stopped = stoppedAt(entry, nowMs);
    if (stopped !== null)
      throw new Refusal(
        400,
        'unauthorized_client',
        `The client ${shownId} is ${stopped === 'expired' ? 'expired' : 'revoked'}.`,
      );
    if (entry.networks !== null && refusedAddress(req.headers, clientIp, entry.networks) !== null)
      throw new Refusal(400, 'unauthorized_client', `The client ${shownId} may be used only from certain networks.`);
    return { entry, clientId: shownId, index };
  }

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

  return {
    /** `/.well-known/oauth-authorization-server` (RFC 8414). */
    metadata(req: IncomingMessage, res: ServerResponse, requestId: string) {
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
    },

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
