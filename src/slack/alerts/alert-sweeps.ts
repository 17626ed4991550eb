import type { WebClient } from '@slack/web-api';
import type { AlertClaims } from '../../shared/alert-claims.ts';
import type { SlackDeps } from '../deps.ts';
import type { AlertMessage, AlertPoster } from './alert-poster.ts';

export interface AlertContext {
  deps: SlackDeps;
  client: WebClient;
  poster: AlertPoster;
  claims: AlertClaims;
}

/** One kind of alert: finds what is due, and sends each through `sendOnce`. */
export type AlertSweep = { name: string; run(context: AlertContext): Promise<void> };

/** What became of one alert: sent now, sent before (by this instance or another), or a post that failed. */
export type SendOutcome = 'sent' | 'claimed' | 'failed';

/**
 * Sends an alert unless some instance already did: the claim is taken first, so two instances sweeping at the same
 * moment send it once; a failed send gives the claim back for the next sweep (and says 'failed', so a caller that
 * keeps its own retries can tell it from an alert already sent).
 */
export async function sendOnce(
  context: Pick<AlertContext, 'claims' | 'poster'>,
  alertKey: string,
  message: () => AlertMessage | Promise<AlertMessage>,
  fields: Record<string, unknown> = {},
): Promise<SendOutcome> {
  if (!(await context.claims.claim(alertKey))) return 'claimed';
  let sent = false;
  try {
    sent = await context.poster.post(await message(), { ...fields, alertKey });
  } finally {
    if (!sent) await context.claims.release(alertKey);
  }
  return sent ? 'sent' : 'failed';
}

/** Runs every sweep; one failing does not stop the others (each is retried on the next run). */
export async function runAlertSweeps(context: AlertContext, sweeps: readonly AlertSweep[]): Promise<void> {
  for (const sweep of sweeps) {
    try {
      await sweep.run(context);
    } catch (error) {
      context.deps.logger.warn({ err: error, sweep: sweep.name }, 'alert sweep failed; will retry');
    }
  }
}
