import type { AuthzRequest, AuthzResponse } from './authz-exchange.ts';
import type { Catalog } from '../catalog/types.ts';
import type { Logger } from '../logger.ts';
import { type AccessTokens, looksLikeAccessToken } from './access-token.ts';
import { answerUnavailable } from './authz-answer.ts';
import { createBearerPath } from './authz-bearer.ts';
import { createKeyPath } from './authz-key.ts';
import { createOutcomeRecorder } from './authz-outcome.ts';
import { createRefusals } from './authz-refusals.ts';
import { type ClientIpSource, DEFAULT_CLIENT_IP, refusedAddress } from './client-address.ts';
import { presentedKey } from './credentials.ts';
import type { Decider } from './decide.ts';
import type { IndexSync } from './index-sync.ts';
import type { IndexEntry } from './key-index.ts';
import type { AuthzObserver } from './ports.ts';
import type { RecentRevocations } from './recent-revocations.ts';
import type { UsageRecorder } from './usage-recorder.ts';

export { answerUnavailable } from './authz-answer.ts';
export {
  AUTHZ_PREFIX,
  CLIENT_ADDRESS_HEADER,
  CLIENT_ID_HEADER,
  DENIED_REASON_HEADER,
  REQUIRED_PERMISSION_HEADER,
} from './authz-contract.ts';

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
}): (req: AuthzRequest, res: AuthzResponse, requestId?: string) => void {
  const { sync, decider, usage } = deps;
  const clientIp = deps.clientIp ?? DEFAULT_CLIENT_IP;
  const refusals = createRefusals({ realm: deps.realm, clientIp });

  /** null: the key has no networks, or the request comes from inside them; otherwise the address seen ('' none). */
  function outside(req: AuthzRequest, entry: IndexEntry): string | null {
    return entry.networks === null ? null : refusedAddress(req.headers, clientIp, entry.networks);
  }

  const done = createOutcomeRecorder({ observer: deps.observer, logger: deps.logger });
  const oauth = deps.oauth;
  const bearer = oauth === undefined ? undefined : createBearerPath({ oauth, usage, refusals, outside, done });
  const key = createKeyPath({ decider, usage, refusals, outside, done });

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
      refusals.unauthorized(res, secret.problem, requestId);
      return done(started, 'deny_401', secret.problem, requestId);
    }
    // A length comparison for a key: the key path (authz-key.ts) stays as it was.
    if (bearer !== undefined && looksLikeAccessToken(secret))
      return bearer(req, res, secret, index, nowMs, started, requestId);
    return key(req, res, secret, index, nowMs, started, requestId);
  };
}
