import type { KeyService } from './key-service.ts';
import type { ApiKey } from './types.ts';

/** The actor of every change a secret scanning report makes: how the audit trail and alerts name GitHub. */
export const SECRET_SCANNING_ACTOR = 'github-secret-scanning';

/** SECRET_SCANNING_ACTION: revoke a reported key at once (then announce it), or only announce it. */
export type LeakAction = 'revoke' | 'alert';

/** One token GitHub found in public: the secret itself, the type name we registered, where, and in what. */
export interface LeakReportItem {
  token: string;
  type: string;
  url: string;
  source: string;
}

export type LeakLabel = 'true_positive' | 'false_positive';

/** A key of ours found in public, for the alert: never the secret, only the key and where it was seen. */
export interface LeakFinding {
  key: ApiKey;
  url: string;
  source: string;
  type: string;
  action: LeakAction;
  /** This report revoked it (false: it was revoked before, or `alert` mode left it active). */
  revokedNow: boolean;
}

export interface LeakOutcome {
  /** One per reported item, in the order given. */
  labels: { item: LeakReportItem; label: LeakLabel }[];
  /** One per key of ours (a token reported twice in one report is one finding). */
  findings: LeakFinding[];
}

export interface LeakResponseDeps {
  findByDigest(digest: Buffer): Promise<ApiKey | undefined>;
  digest: (secret: string) => Buffer;
  keys: Pick<KeyService, 'revoke'>;
  action: LeakAction;
}

/** The revoke reason holds at most 500 characters and no NUL (optionalReason in shared/reason.ts refuses either). */
export function leakReason(url: string): string {
  const where = url.replace(/\u0000/g, '').trim();
  const reason = `leaked: ${where === '' ? 'found in public by GitHub secret scanning' : where}`;
  return reason.length <= 500 ? reason : `${reason.slice(0, 499)}…`;
}

const withoutToken = (text: string, token: string): string => text.split(token).join('[token]');

/**
 * A secret scanning report: each token is looked up by its digest (any key we hold, legacy and revoked ones
 * included, is ours: a true positive) and a key of ours is revoked at once unless the action is `alert`.
 * Revoking is idempotent, so a report sent twice revokes once.
 */
export function createLeakResponse(deps: LeakResponseDeps) {
  return {
    action: deps.action,
    async report(items: readonly LeakReportItem[]): Promise<LeakOutcome> {
      const labels: LeakOutcome['labels'] = [];
      const findings = new Map<string, LeakFinding>();
      for (const reported of items) {
        // Where it was found is kept (reason, audit, log, alert); the token itself, should that repeat it, is not.
        const item = {
          ...reported,
          url: withoutToken(reported.url, reported.token),
          source: withoutToken(reported.source, reported.token),
        };
        const found = await deps.findByDigest(deps.digest(item.token));
        labels.push({ item: reported, label: found === undefined ? 'false_positive' : 'true_positive' });
        if (found === undefined || findings.has(found.id)) continue;
        let key = found;
        let revokedNow = false;
        if (deps.action === 'revoke') {
          const result = await deps.keys.revoke(found.id, {
            actor: SECRET_SCANNING_ACTOR,
            reason: leakReason(item.url),
          });
          key = result.key;
          revokedNow = result.changed;
        }
        findings.set(found.id, {
          key,
          url: item.url,
          source: item.source,
          type: item.type,
          action: deps.action,
          revokedNow,
        });
      }
      return { labels, findings: [...findings.values()] };
    },
  };
}

export type LeakResponse = ReturnType<typeof createLeakResponse>;
