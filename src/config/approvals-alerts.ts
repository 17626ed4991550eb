import { z } from 'zod';
import { optionalString } from './fields.ts';

/** The four-eyes rule (what waits, for how many, for how long) and where and when alerts are posted. */
export const approvalsAlertsSettings = {
  APPROVAL_REQUIRED_FOR: z
    .string()
    .default('create,permissions,reenable,replace')
    .transform((value) =>
      value
        .split(',')
        .map((a) => a.trim().toLowerCase())
        .filter((a) => a !== '' && a !== 'none'),
    )
    .pipe(
      z.array(
        z.enum(['create', 'permissions', 'reenable', 'replace'], {
          error: 'a comma-separated list of create, permissions, reenable, replace (or none); revoke never waits',
        }),
      ),
    ),
  APPROVALS_REQUIRED: z.coerce
    .number({ error: 'a number of approvals, e.g. 1' })
    .int('a whole number')
    .min(1, 'at least 1')
    .max(5, 'at most 5')
    .default(1),
  APPROVALS_CHANNEL: optionalString.pipe(
    z
      .string()
      .regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id, e.g. C012ABCDEF')
      .optional(),
  ),
  ALERTS_CHANNEL: optionalString.pipe(
    z
      .string()
      .regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id, e.g. C012ABCDEF')
      .optional(),
  ),
  EXPIRY_REMINDER_DAYS: optionalString
    .transform((value) => (value ?? '7,1').toLowerCase())
    .transform((value) => (value === 'none' ? [] : value.split(',').map((d) => d.trim())))
    .pipe(
      z.array(
        z
          .string()
          .regex(/^\d{1,4}$/, 'comma-separated whole numbers of days before a key ends, e.g. 7,1 (or none)')
          .transform(Number)
          .pipe(z.number().min(1, 'days of at least 1').max(3650, 'days of at most 3650')),
      ),
    )
    // One order (farthest first) however the days were typed, and no repeats.
    .transform((days) => [...new Set(days)].sort((a, b) => b - a)),
  ALERT_DENIED_BURST: z.coerce
    .number({ error: 'a number of denied requests, e.g. 20' })
    .int('a whole number of denied requests')
    .min(1, 'at least 1 denied request')
    .max(1_000_000, 'at most 1000000 denied requests')
    .default(20),
  UNUSED_KEY_DAYS: z.coerce
    .number({ error: 'a number of days, e.g. 90' })
    .int('a whole number of days')
    .min(1, 'at least 1 day')
    .max(3650, 'at most 3650 days (ten years)')
    .default(90),
  APPROVAL_TTL_HOURS: z.coerce
    .number({ error: 'a number of hours, e.g. 24' })
    .int('a whole number of hours')
    .min(1, 'at least 1 hour')
    .max(720, 'at most 720 hours')
    .default(24),
  REVEAL_TTL_HOURS: z.coerce
    .number({ error: 'a number of hours, e.g. 24' })
    .int('a whole number of hours')
    .min(1, 'at least 1 hour')
    .max(720, 'at most 720 hours')
    .default(24),
};

export type ApprovalsAlertsEnv = z.output<z.ZodObject<typeof approvalsAlertsSettings>>;

export interface ApprovalsAlertsConfig {
  approvals: {
    requiredFor: ReadonlySet<'create' | 'permissions' | 'reenable' | 'replace'>;
    approvalsRequired: number;
    channel: string | undefined;
    ttlHours: number;
    revealTtlHours: number;
  };
  /** ALERTS_CHANNEL: where expiry reminders, leaks and other alerts are posted; unset, they are only logged. */
  alerts: {
    channel: string | undefined;
    /** EXPIRY_REMINDER_DAYS: days before a key's end when it is reminded of, farthest first; empty: no reminders. */
    expiryReminderDays: readonly number[];
    /** ALERT_DENIED_BURST: denials of a removed endpoint within 10 minutes of the edit that alert. */
    deniedBurst: number;
    /** UNUSED_KEY_DAYS: a key not used for this long is listed in the weekly digest. */
    unusedKeyDays: number;
  };
}

export function approvalsAlertsConfig(env: ApprovalsAlertsEnv): ApprovalsAlertsConfig {
  return {
    approvals: {
      requiredFor: new Set(env.APPROVAL_REQUIRED_FOR),
      approvalsRequired: env.APPROVALS_REQUIRED,
      channel: env.APPROVALS_CHANNEL,
      ttlHours: env.APPROVAL_TTL_HOURS,
      revealTtlHours: env.REVEAL_TTL_HOURS,
    },
    alerts: {
      channel: env.ALERTS_CHANNEL,
      expiryReminderDays: env.EXPIRY_REMINDER_DAYS,
      deniedBurst: env.ALERT_DENIED_BURST,
      unusedKeyDays: env.UNUSED_KEY_DAYS,
    },
  };
}
