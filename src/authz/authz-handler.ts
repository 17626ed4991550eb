import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Decider } from './decide.ts';
import type { IndexSync } from './index-sync.ts';
import type { Logger } from '../logger.ts';
import type { AuthzObserver } from './ports.ts';
import { headerSafe } from './key-index.ts';
import { REQUEST_ID_HEADER } from '../shared/request-id.ts';
import { presentedKey } from './credentials.ts';
import { type ClientIpSource, DEFAULT_CLIENT_IP, refusedAddress } from './client-address.ts';
import type { IndexEntry } from './key-index.ts';
import { overridesMethod } from './method-override.ts';
import { requestTarget } from './target.ts';
import { OUTSIDE_CATALOG, type UsageRecorder } from './usage-recorder.ts';
import { type AccessTokens, looksLikeAccessToken } from './access-token.ts';
import type { RecentRevocations } from './recent-revocations.ts';
import type { Catalog } from '../catalog/types.ts';
import { catalogScopes } from '../catalog/scopes.ts';
import { evaluate } from '../keys/evaluate.ts';

export const AUTHZ_PREFIX = '/authz';
/** Names the permission a 403 lacked, e.g. `GET: List Candidates`. */
export const REQUIRED_PERMISSION_HEADER = 'x-required-permission';
/** On an `ip_not_allowed` 403: the reason and the address seen, for gateways that replace the body (nginx). */
export const DENIED_REASON_HEADER = 'x-denied-reason';
export const CLIENT_ADDRESS_HEADER = 'x-client-address';
/** On a request allowed with an access token: the Harvest v3 client's id (X-Key-Id names its row). */
export const CLIENT_ID_HEADER = 'x-client-id';

/**
 * A JSON body as the string `end` takes (Node then sends it in one write with the head; a Buffer would be a second
 * chunk and a writev) and its length in bytes for Content-Length.
 */
interface JsonBody {
  text: string;
  length: string;
}

function jsonBody(body: Record<string, string>): JsonBody {
  const text = JSON.stringify(body);
  return { text, length: String(Buffer.byteLength(text)) };
}

const UNAVAILABLE_BODY = jsonBody({
  error: 'unavailable',
  message: 'Key decisions are unavailable: the key index is not loaded or may be out of date.',
});

/**
 * Every answer is written with one writeHead of a flat header array, X-Request-Id included (the server leaves it to
 * this route): no res.setHeader, which would send Node down its slower merging path on every API call.
 */
function withRequestId(headers: string[], requestId: string | undefined): string[] {
  if (requestId !== undefined) headers.push(REQUEST_ID_HEADER, requestId);
  return headers;
}

/** Before the index is loaded (or while the database is unreachable at start-up) every answer is this. */
export function answerUnavailable(res: ServerResponse, requestId?: string): void {
  res.writeHead(
    503,
    withRequestId(
      [
        'cache-control',
        'no-store',
        'content-type',
        'application/json',
        'content-length',
        UNAVAILABLE_BODY.length,
        'retry-after',
        '1',
      ],
      requestId,
    ),
  );
  res.end(UNAVAILABLE_BODY.text);
}

const UNAUTHENTICATED_MESSAGES: Record<string, string> = {
  missing: 'No API key: send it as the Basic username (key and an empty password), a Bearer token or X-Api-Key.',
  empty: 'The API key is empty.',
  malformed: 'The API key or the Authorization header is malformed.',
  checksum: 'The API key is not valid (its checksum does not match: check for a typing mistake).',
  unknown: 'The API key is not valid.',
  revoked: 'The API key has been revoked.',
  expired: 'The API key has expired.',
  client_secret:
    'This is a Harvest v3 client secret, not an API key: exchange it at POST /oauth/token for an access token and send that as a Bearer token.',
};

/** 401s for a Bearer access token (RFC 6750 `invalid_token`, with the reason in the body). */
const TOKEN_MESSAGES: Record<string, string> = {
  invalid_token: 'The access token is not valid: not issued by this service, altered, or its client is unknown.',
  token_expired: 'The access token has expired: request a new one at POST /oauth/token.',
  token_revoked: 'The access token has been revoked.',
  revoked: 'The Harvest v3 client this access token was issued to has been revoked.',
  expired: 'The Harvest v3 client this access token was issued to has expired.',
};

const FORBIDDEN_MESSAGES: Record<string, string> = {
  not_granted: 'This API Key does not have permission for this endpoint',
  not_in_catalog: 'This endpoint is not part of the API, so no key may call it.',
  ambiguous_target:
    'The request path could be routed to a different endpoint than it seems to name (path parameters with ;, encoded % or /, dot segments, fragments, non-ASCII, or a parameter not in its documented shape), so no key may call it.',
  no_target:
    'The gateway sent no target: set X-Original-Method/X-Original-URI (nginx), rely on X-Forwarded-Method/-Uri (Traefik) or call /authz/<path> (Envoy).',
  incomplete_target: 'The gateway sent a target URI without its method (or the reverse).',
  conflicting_target: 'The gateway sent target headers that disagree with each other.',
  method_override:
    'The request names another method (X-HTTP-Method-Override, X-Method-Override, X-HTTP-Method or _method) than the one it was judged as.',
  insufficient_scope:
    'The access token was not issued for the scope this endpoint needs (the client may hold it: ask for it at POST /oauth/token).',
};

const METHOD_OVERRIDE = { problem: 'method_override' } as const;

/**
 * The `/authz` contract for nginx `auth_request`, Traefik ForwardAuth and Envoy `ext_authz`: 200 with `X-Key-Id` and
 * `X-Partner`, 401 with `WWW-Authenticate`, 403 with a JSON body naming the missing permission, 503 while the
 * index is not trustworthy. Every answer is `Cache-Control: no-store`. Nothing here touches the database.
 */
export function createAuthzHandler(deps: {
  sync: IndexSync;
  decider: Decider;
  usage: UsageRecorder;
  realm: string;
  observer?: AuthzObserver | undefined;
  logger?: Logger | undefined;
  /** Where a key with allowed networks reads the client address (default: the last X-Forwarded-For entry). */
  clientIp?: ClientIpSource | undefined;
  /** Harvest v3 access tokens: Bearer tokens are judged against their client's live entry and their scopes. */
  oauth?: { catalog: Catalog; tokens: AccessTokens; revokedHere: RecentRevocations } | undefined;
}): (req: IncomingMessage, res: ServerResponse, requestId?: string) => void {
  const { sync, decider, usage } = deps;
  const challenge = `Basic realm="${headerSafe(deps.realm).replace(/["\\]/g, '')}", charset="UTF-8"`;
  const unauthenticatedBodies = new Map(
    Object.entries(UNAUTHENTICATED_MESSAGES).map(([reason, message]) => [
      reason,
      jsonBody({ error: 'unauthorized', reason, message }),
    ]),
  );

  /** One writeHead for every refusal: never cached, JSON, with the answer's own headers after the common ones. */
  function refuse(
    res: ServerResponse,
    status: 401 | 403,
    body: JsonBody,
    extra: readonly string[],
    requestId: string | undefined,
  ): void {
    const headers = [
      'cache-control',
      'no-store',
      'content-type',
      'application/json',
      'content-length',
      body.length,
      ...extra,
    ];
    res.writeHead(status, withRequestId(headers, requestId));
    res.end(body.text);
  }

  function unauthorized(res: ServerResponse, reason: string, requestId: string | undefined): void {
    refuse(res, 401, unauthenticatedBodies.get(reason) as JsonBody, ['www-authenticate', challenge], requestId);
  }

  function forbidden(
    res: ServerResponse,
    reason: string,
    keyId: string | undefined,
    permission: string | undefined,
    requestId: string | undefined,
  ): void {
    const fields: Record<string, string> = {
      error: 'forbidden',
      reason,
      message: FORBIDDEN_MESSAGES[reason] ?? reason,
    };
    if (permission !== undefined) fields.required_permission = permission;
    if (keyId !== undefined) fields.key_id = keyId;
    const extra = permission === undefined ? [] : [REQUIRED_PERMISSION_HEADER, headerSafe(permission)];
    refuse(res, 403, jsonBody(fields), extra, requestId);
  }

  const clientIp = deps.clientIp ?? DEFAULT_CLIENT_IP;

  /** null: the key has no networks, or the request comes from inside them; otherwise the address seen ('' none). */
  function outside(req: IncomingMessage, entry: IndexEntry): string | null {
    return entry.networks === null ? null : refusedAddress(req.headers, clientIp, entry.networks);
  }

  /** 403 ip_not_allowed, naming the address seen (or its absence) in the body and, when it is one, in a header. */
  function notAllowedFrom(res: ServerResponse, address: string, keyId: string, requestId: string | undefined): void {
    const fields: Record<string, string> = {
      error: 'forbidden',
      reason: 'ip_not_allowed',
      message:
        address === ''
          ? `This API key may be used only from certain networks, and the request came with no client address (${clientIp.header}).`
          : `This API key may not be used from ${address}: it may be used only from certain networks.`,
      client_address: address,
      key_id: keyId,
    };
    const extra = [DENIED_REASON_HEADER, 'ip_not_allowed'];
    if (address !== '' && address !== '(not an IP address)') extra.push(CLIENT_ADDRESS_HEADER, address);
    refuse(res, 403, jsonBody(fields), extra, requestId);
  }

  const observer = deps.observer;
  const logger = deps.logger;
  const debug = logger?.isLevelEnabled('debug') === true;

  /** Metrics and the debug line for one answer; nothing at info: this runs for every API call. */
  function done(
    started: number,
    outcome: 'allow' | 'deny_401' | 'deny_403' | 'unavailable',
    reason: string,
    requestId: string | undefined,
    keyId?: string,
  ): void {
    observer?.authzDecision(outcome, reason, (performance.now() - started) / 1000);
    if (debug && outcome !== 'allow') logger?.debug({ requestId, outcome, reason, keyId }, 'authz denied');
  }

  const oauth = deps.oauth;
  const tagOf = oauth === undefined ? undefined : catalogScopes(oauth.catalog).tagOf;
  const scopeNames = oauth === undefined ? undefined : catalogScopes(oauth.catalog).byEndpoint;
  const bearerRealm = `realm="${headerSafe(deps.realm).replace(/["\\]/g, '')}"`;
  const tokenBodies = new Map(
    Object.entries(TOKEN_MESSAGES).map(([reason, message]) => [
      reason,
      jsonBody({ error: 'unauthorized', reason, message }),
    ]),
  );

  function tokenRefused(res: ServerResponse, reason: string, requestId: string | undefined): void {
    const description = reason === 'token_expired' ? 'The access token expired' : (TOKEN_MESSAGES[reason] as string);
    refuse(
      res,
      401,
      tokenBodies.get(reason) as JsonBody,
      [
        'www-authenticate',
        `Bearer ${bearerRealm}, error="invalid_token", error_description="${description.replace(/["\\]/g, '')}"`,
      ],
      requestId,
    );
  }

  /**
   * A Bearer access token: its signature and expiry from the token, then its client's LIVE entry from the index (a
   * revoked, expired or narrowed client narrows every token at once), then the token's own scopes.
   */
  function bearer(
    req: IncomingMessage,
    res: ServerResponse,
    token: string,
    index: NonNullable<ReturnType<IndexSync['current']>>,
    nowMs: number,
    started: number,
    requestId: string | undefined,
  ) {
    const { tokens, revokedHere, catalog } = oauth as NonNullable<typeof oauth>;
    const claims = tokens.verify(token);
    let reason: string | undefined;
    const entry = claims === undefined ? undefined : index.entryOf(claims.keyId);
    if (claims === undefined || entry === undefined || entry.clientId !== claims.clientId) reason = 'invalid_token';
    else if (claims.exp * 1000 <= nowMs) reason = 'token_expired';
    else if (entry.revokedTokens?.has(claims.jti) === true || revokedHere.has(claims.jti)) reason = 'token_revoked';
    if (reason !== undefined || claims === undefined || entry === undefined) {
      tokenRefused(res, reason ?? 'invalid_token', requestId);
      return done(started, 'deny_401', reason ?? 'invalid_token', requestId, entry?.keyId);
    }
    const found = requestTarget(req, AUTHZ_PREFIX);
    const target = 'problem' in found || !overridesMethod(req, found.method) ? found : METHOD_OVERRIDE;
    const decision =
      'problem' in target
        ? evaluate(catalog, entry, 'GET', '/', nowMs)
        : evaluate(catalog, entry, target.method, target.path, nowMs);
    if (!decision.allowed && (decision.reason === 'revoked' || decision.reason === 'expired')) {
      tokenRefused(res, decision.reason, requestId);
      return done(started, 'deny_401', decision.reason, requestId, entry.keyId);
    }
    const inScope = !decision.allowed || claims.scopes.has(tagOf?.get(decision.endpoint.id) as number);
    usage.record(
      entry.keyId,
      'problem' in target ? OUTSIDE_CATALOG : (decision.endpoint?.id ?? OUTSIDE_CATALOG),
      decision.allowed && inScope && !('problem' in target),
      nowMs,
    );
    const seen = outside(req, entry);
    if (seen !== null) {
      notAllowedFrom(res, seen, entry.keyId, requestId);
      return done(started, 'deny_403', 'ip_not_allowed', requestId, entry.keyId);
    }
    if ('problem' in target) {
      forbidden(res, target.problem, entry.keyId, undefined, requestId);
      return done(started, 'deny_403', target.problem, requestId, entry.keyId);
    }
    if (!decision.allowed) {
      forbidden(res, decision.reason, entry.keyId, decision.endpoint?.label, requestId);
      return done(started, 'deny_403', decision.reason, requestId, entry.keyId);
    }
    const endpoint = decision.endpoint;
    if (!inScope) {
      const scope = scopeNames?.get(endpoint.id) ?? '';
      const fields = {
        error: 'forbidden',
        reason: 'insufficient_scope',
        message: FORBIDDEN_MESSAGES.insufficient_scope as string,
        required_permission: endpoint.label,
        required_scope: scope,
        key_id: entry.keyId,
      };
      refuse(
        res,
        403,
        jsonBody(fields),
        [
          REQUIRED_PERMISSION_HEADER,
          headerSafe(endpoint.label),
          'www-authenticate',
          `Bearer ${bearerRealm}, error="insufficient_scope", scope="${scope}"`,
        ],
        requestId,
      );
      return done(started, 'deny_403', 'insufficient_scope', requestId, entry.keyId);
    }
    const headers = ['cache-control', 'no-store', 'x-key-id', entry.keyId, CLIENT_ID_HEADER, claims.clientId];
    if (entry.partnerName !== null) headers.push('x-partner', entry.partnerHeader);
    headers.push('content-length', '0');
    res.writeHead(200, withRequestId(headers, requestId));
    res.end();
    return done(started, 'allow', '', requestId);
  }

  return (req, res, requestId) => {
    const started = performance.now();
    const nowMs = Date.now();
    const index = sync.current();
    if (index === undefined || sync.freshness(nowMs) !== 'fresh') {
      answerUnavailable(res, requestId);
      return done(started, 'unavailable', '', requestId);
    }

    const secret = presentedKey(req.headers);
    if (typeof secret !== 'string') {
      unauthorized(res, secret.problem, requestId);
      return done(started, 'deny_401', secret.problem, requestId);
    }
    // A length comparison for a key: the key path below stays as it was.
    if (oauth !== undefined && looksLikeAccessToken(secret))
      return bearer(req, res, secret, index, nowMs, started, requestId);
    const found = requestTarget(req, AUTHZ_PREFIX);
    // A method override would be judged as one method and run as another: refused like a bad target.
    const target = 'problem' in found || !overridesMethod(req, found.method) ? found : METHOD_OVERRIDE;
    if ('problem' in target) {
      // The key is still checked first: a bad key is a 401 whatever the target.
      const verdict = decider.decide(index, secret, 'GET', '/', nowMs);
      if (verdict.status === 401) {
        unauthorized(res, verdict.reason, requestId);
        return done(started, 'deny_401', verdict.reason, requestId, verdict.entry?.keyId);
      }
      usage.record(verdict.entry.keyId, OUTSIDE_CATALOG, false, nowMs);
      const seen = outside(req, verdict.entry);
      if (seen !== null) {
        notAllowedFrom(res, seen, verdict.entry.keyId, requestId);
        return done(started, 'deny_403', 'ip_not_allowed', requestId, verdict.entry.keyId);
      }
      forbidden(res, target.problem, verdict.entry.keyId, undefined, requestId);
      return done(started, 'deny_403', target.problem, requestId, verdict.entry.keyId);
    }

    const verdict = decider.decide(index, secret, target.method, target.path, nowMs);
    if (verdict.status !== 401) {
      // A working key used from outside its networks: refused whatever it may call (its grants stay unsaid).
      const seen = outside(req, verdict.entry);
      if (seen !== null) {
        usage.record(verdict.entry.keyId, verdict.endpoint?.id ?? OUTSIDE_CATALOG, false, nowMs);
        notAllowedFrom(res, seen, verdict.entry.keyId, requestId);
        return done(started, 'deny_403', 'ip_not_allowed', requestId, verdict.entry.keyId);
      }
    }
    if (verdict.entry !== undefined) {
      usage.record(verdict.entry.keyId, verdict.endpoint?.id ?? OUTSIDE_CATALOG, verdict.status === 200, nowMs);
    }
    if (verdict.status === 200) {
      const entry = verdict.entry;
      res.writeHead(
        200,
        withRequestId(
          entry.partnerName === null
            ? ['cache-control', 'no-store', 'x-key-id', entry.keyId, 'content-length', '0']
            : [
                'cache-control',
                'no-store',
                'x-key-id',
                entry.keyId,
                'x-partner',
                entry.partnerHeader,
                'content-length',
                '0',
              ],
          requestId,
        ),
      );
      res.end();
      return done(started, 'allow', '', requestId);
    }
    if (verdict.status === 401) {
      unauthorized(res, verdict.reason, requestId);
      return done(started, 'deny_401', verdict.reason, requestId, verdict.entry?.keyId);
    }
    forbidden(res, verdict.reason, verdict.entry.keyId, verdict.endpoint?.label, requestId);
    return done(started, 'deny_403', verdict.reason, requestId, verdict.entry.keyId);
  };
}
