import type { AuthzRequest, AuthzResponse } from './authz-exchange.ts';
import { withRequestId } from './authz-answer.ts';
import { AUTHZ_PREFIX } from './authz-contract.ts';
import type { OutcomeRecorder } from './authz-outcome.ts';
import type { Refusals } from './authz-refusals.ts';
import { METHOD_OVERRIDE } from './authz-target.ts';
import type { Decider } from './decide.ts';
import type { IndexSync } from './index-sync.ts';
import type { IndexEntry } from './key-index.ts';
import { overridesMethod } from './method-override.ts';
import { requestTarget } from './target.ts';
import { OUTSIDE_CATALOG, type UsageRecorder } from './usage-recorder.ts';

/** The `/authz` path for an API key (and anything presented that is not an access token). */
export function createKeyPath(deps: {
  decider: Decider;
  usage: UsageRecorder;
  refusals: Refusals;
  /** null: the key has no networks, or the request comes from inside them; otherwise the address seen. */
  outside: (req: AuthzRequest, entry: IndexEntry) => string | null;
  done: OutcomeRecorder;
}) {
  const { decider, usage, outside, done } = deps;
  const { unauthorized, forbidden, notAllowedFrom } = deps.refusals;

  return function key(
    req: AuthzRequest,
    res: AuthzResponse,
    secret: string,
    index: NonNullable<ReturnType<IndexSync['current']>>,
    nowMs: number,
    started: number,
    requestId: string | undefined,
  ) {
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
