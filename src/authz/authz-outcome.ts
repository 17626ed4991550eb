import type { Logger } from '../logger.ts';
import type { AuthzObserver } from './ports.ts';

export type AuthzOutcome = 'allow' | 'deny_401' | 'deny_403' | 'unavailable';

export function createOutcomeRecorder(deps: { observer?: AuthzObserver | undefined; logger?: Logger | undefined }) {
  const observer = deps.observer;
  const logger = deps.logger;
  const debug = logger?.isLevelEnabled('debug') === true;

  /** Metrics and the debug line for one answer; nothing at info: this runs for every API call. */
  function done(
    started: number,
    outcome: AuthzOutcome,
    reason: string,
    requestId: string | undefined,
    keyId?: string,
  ): void {
    observer?.authzDecision(outcome, reason, (performance.now() - started) / 1000);
    if (debug && outcome !== 'allow') logger?.debug({ requestId, outcome, reason, keyId }, 'authz denied');
  }

  return done;
}

export type OutcomeRecorder = ReturnType<typeof createOutcomeRecorder>;
