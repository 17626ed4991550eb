import type { AuthzRequest, AuthzResponse } from './authz-exchange.ts';
import { catalogScopes } from '../catalog/scopes.ts';
import type { Catalog } from '../catalog/types.ts';
import { evaluate } from '../keys/evaluate.ts';
import type { AccessTokens } from './access-token.ts';
import { withRequestId } from './authz-answer.ts';
import { AUTHZ_PREFIX, CLIENT_ID_HEADER } from './authz-contract.ts';
import type { OutcomeRecorder } from './authz-outcome.ts';
import type { Refusals } from './authz-refusals.ts';
import { METHOD_OVERRIDE } from './authz-target.ts';
import type { IndexSync } from './index-sync.ts';
import type { IndexEntry } from './key-index.ts';
import { overridesMethod } from './method-override.ts';
import type { RecentRevocations } from './recent-revocations.ts';
import { requestTarget } from './target.ts';
import { OUTSIDE_CATALOG, type UsageRecorder } from './usage-recorder.ts';

/** The `/authz` path for a Harvest v3 access token presented as a Bearer token. */
export function createBearerPath(deps: {
  oauth: { catalog: Catalog; tokens: AccessTokens; revokedHere: RecentRevocations };
  usage: UsageRecorder;
  refusals: Refusals;
  /** null: the entry has no networks, or the request comes from inside them; otherwise the address seen. */
  outside: (req: AuthzRequest, entry: IndexEntry) => string | null;
  done: OutcomeRecorder;
}) {
  const { usage, outside, done } = deps;
  const { forbidden, notAllowedFrom, tokenRefused, insufficientScope } = deps.refusals;
  const { tokens, revokedHere, catalog } = deps.oauth;
  const tagOf = catalogScopes(catalog).tagOf;
  const scopeNames = catalogScopes(catalog).byEndpoint;

  /**
   * A Bearer access token: its signature and expiry from the token, then its client's LIVE entry from the index (a
   * revoked, expired or narrowed client narrows every token at once), then the token's own scopes.
   */
  function bearer(
    req: AuthzRequest,
    res: AuthzResponse,
    token: string,
    index: NonNullable<ReturnType<IndexSync['current']>>,
    nowMs: number,
    started: number,
    requestId: string | undefined,
  ) {
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
    const inScope = !decision.allowed || claims.scopes.has(tagOf.get(decision.endpoint.id) as number);
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
      const scope = scopeNames.get(endpoint.id) ?? '';
      insufficientScope(res, endpoint.label, scope, entry.keyId, requestId);
      return done(started, 'deny_403', 'insufficient_scope', requestId, entry.keyId);
    }
    const headers = ['cache-control', 'no-store', 'x-key-id', entry.keyId, CLIENT_ID_HEADER, claims.clientId];
    if (entry.partnerName !== null) headers.push('x-partner', entry.partnerHeader);
    headers.push('content-length', '0');
    res.writeHead(200, withRequestId(headers, requestId));
    res.end();
    return done(started, 'allow', '', requestId);
  }

  return bearer;
}
