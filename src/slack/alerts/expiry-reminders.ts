import { type ReminderDue, reminderDue, reminderWindowMs } from '../../keys/expiry-reminders.ts';
import type { Partner } from '../../partners/types.ts';
import { isAppError } from '../../shared/errors.ts';
import {
  contactReminder,
  creatorReminder,
  type ExpiringKey,
  expiryReminderNotice,
  type ReminderMessage,
} from '../blocks/reminder-blocks.ts';
import type { SlackDeps } from '../deps.ts';
import { isSlackUser } from '../ui/format.ts';
import type { AlertPoster } from './alert-poster.ts';
import { type AlertContext, type AlertSweep, sendOnce } from './alert-sweeps.ts';
import { createDirectPoster } from './direct-poster.ts';

/**
 * Expiry reminders (README "Keys" → "Reminders"): for each key whose end comes within a day count of
 * EXPIRY_REMINDER_DAYS, a notice in ALERTS_CHANNEL and a DM to its creator and each of its partner's contacts.
 *
 * Each message is claimed once by `expiry:<key id>:<expiry ISO>:<days>d` (a DM adds `:dm:<user id>`): sent once
 * across instances and restarts, and again after an extension, which moves the expiry and so starts a new cycle.
 * Only the nearest threshold crossed is sent; farther ones crossed with it are claimed unsent (see reminderDue).
 */
export const expiryReminders: AlertSweep = {
  name: 'expiry reminders',
  async run(context) {
    const { deps } = context;
    const days = deps.services.expiryReminderDays;
    if (days.length === 0) return;
    const now = deps.now();
    const held = deps.services.approvals.needsApproval('permissions');
    const partners = partnerLookup(deps);
    for (const key of await deps.services.keys.expiringWithin(reminderWindowMs(days))) {
      if (key.expiresAt === null) continue;
      const due = reminderDue(key.expiresAt, now, days);
      if (due === undefined) continue;
      const expiring: ExpiringKey = { ...key, expiresAt: key.expiresAt };
      const base = `expiry:${key.id}:${key.expiresAt.toISOString()}`;
      const fields = { keyId: key.id, days: due.days };
      await sendNearest(
        context,
        context.poster,
        due,
        (d) => `${base}:${d}d`,
        fields,
        () => expiryReminderNotice({ key: expiring, now, days: due.days, held }),
      );
      for (const { userId, creator } of await recipients(key, partners)) {
        const poster = createDirectPoster(deps, context.client, userId);
        await sendNearest(
          context,
          poster,
          due,
          (d) => `${base}:${d}d:dm:${userId}`,
          { ...fields, userId },
          () => (creator ? creatorReminder({ key: expiring, now, held }) : contactReminder({ key: expiring, now })),
        );
      }
    }
  },
};

/** Sends the nearest threshold's message once; when it goes out, the farther thresholds are settled with it. */
async function sendNearest(
  context: AlertContext,
  poster: AlertPoster,
  due: ReminderDue,
  alertKey: (days: number) => string,
  fields: Record<string, unknown>,
  message: () => ReminderMessage,
): Promise<void> {
  if ((await sendOnce({ claims: context.claims, poster }, alertKey(due.days), message, fields)) !== 'sent') return;
  context.deps.logger.info({ ...fields, to: poster.channel ?? 'log', settled: due.settled }, 'expiry reminder sent');
  for (const days of due.settled) await context.claims.claim(alertKey(days));
}

/** Who is told in a DM: the creator when the key was made in Slack (not `cli:…`), then the partner's contacts. */
async function recipients(
  key: Pick<ExpiringKey, 'createdBy'> & { partnerId: string | null },
  partners: (id: string) => Promise<Partner | undefined>,
): Promise<{ userId: string; creator: boolean }[]> {
  const creator = isSlackUser(key.createdBy) ? [{ userId: key.createdBy, creator: true }] : [];
  const partner = key.partnerId === null ? undefined : await partners(key.partnerId);
  const contacts = (partner?.contactSlackUserIds ?? [])
    .filter((id) => id !== key.createdBy)
    .map((userId) => ({ userId, creator: false }));
  return [...creator, ...contacts];
}

/** Partners by id, each read once per sweep. */
function partnerLookup(deps: SlackDeps): (id: string) => Promise<Partner | undefined> {
  const seen = new Map<string, Promise<Partner | undefined>>();
  return (id) => {
    let found = seen.get(id);
    if (found === undefined) {
      found = deps.services.partners.get(id).catch((error: unknown) => {
        if (isAppError(error, 'UNKNOWN_PARTNER')) return undefined;
        throw error;
      });
      seen.set(id, found);
    }
    return found;
  };
}
