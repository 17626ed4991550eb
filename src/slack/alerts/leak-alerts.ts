import type { LeakFinding } from '../../keys/leak-response.ts';
import { leakAlertMessage } from '../blocks/leak-alert.ts';
import { type AlertContext, type AlertSweep, sendOnce } from './alert-sweeps.ts';

/** The unit of "once": a key is announced as leaked once, however often GitHub reports it and by whichever instance. */
export const leakAlertKey = (keyId: string): string => `leak:${keyId}`;

export interface LeakAlerts {
  /** Announces a leak now; a failed post is tried again by the next alert sweep. */
  announce(context: AlertContext, finding: LeakFinding): Promise<void>;
  /** Retries announcements whose post failed. */
  sweep: AlertSweep;
}

/**
 * Leak alerts are pushed when a report arrives, not found by a sweep: the report is the only record of where the key
 * was seen. Those whose post failed wait here for the next sweep (in memory: a restart before then loses the alert,
 * never the revocation, which the report made before answering).
 */
export function createLeakAlerts(): LeakAlerts {
  const waiting = new Map<string, LeakFinding>();

  async function send(context: AlertContext, finding: LeakFinding): Promise<void> {
    // Only a failed post is retried: an alert some instance already sent is done.
    let failed = true;
    try {
      const outcome = await sendOnce(
        context,
        leakAlertKey(finding.key.id),
        async () => {
          const { replacedBy } = finding.key;
          // Named like any key (description and last characters); a lookup that fails falls back to its id.
          const successor =
            replacedBy === null ? undefined : await context.deps.services.keys.get(replacedBy).catch(() => undefined);
          return leakAlertMessage(finding, successor);
        },
        { keyId: finding.key.id },
      );
      failed = outcome === 'failed';
    } finally {
      // Decided when this send ends, so a report of the same key sent meanwhile cannot drop a failed alert.
      if (failed) waiting.set(finding.key.id, finding);
      else waiting.delete(finding.key.id);
    }
  }

  return {
    announce: send,
    sweep: {
      name: 'leak alerts',
      async run(context) {
        for (const finding of [...waiting.values()]) {
          try {
            await send(context, finding);
          } catch (error) {
            // One alert that cannot be built must not hold back the others; it stays waiting.
            context.deps.logger.warn({ err: error, keyId: finding.key.id }, 'leak alert failed; will retry');
          }
        }
      },
    },
  };
}
