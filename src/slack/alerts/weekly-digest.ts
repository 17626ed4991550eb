import { isEmpty } from '../../keys/attention.ts';
import { DIGEST_PER_KIND, weeklyDigest } from '../blocks/attention-blocks.ts';
import { type AlertSweep, sendOnce } from './alert-sweeps.ts';

/** The ISO 8601 week of a UTC instant, e.g. `2026-W49` (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const weekday = day.getUTCDay() === 0 ? 7 : day.getUTCDay();
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/**
 * Keys unused for UNUSED_KEY_DAYS, never used 14 days after creation, or delivered and never confirmed: one digest
 * per ISO week, sent by the first sweep of the week that finds something (an empty week sends nothing).
 */
export const weeklyDigestSweep: AlertSweep = {
  name: 'weekly-digest',
  async run(context) {
    const { deps } = context;
    const week = isoWeek(deps.now());
    const attention = await deps.services.attention.needsAttention(DIGEST_PER_KIND);
    if (isEmpty(attention)) return;
    await sendOnce(
      context,
      `digest:${week}`,
      () =>
        weeklyDigest(attention, {
          unusedKeyDays: deps.services.attention.policy.unusedKeyDays,
          confirmHours: deps.services.deliveryConfirmHours,
          week,
        }),
      { unused: attention.idle.total, neverUsed: attention.neverUsed.total, unconfirmed: attention.unconfirmed.total },
    );
  },
};
