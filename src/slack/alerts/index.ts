import type { AlertSweep } from './alert-sweeps.ts';
import { denialBurstSweep } from './denial-burst.ts';
import { expiryReminders } from './expiry-reminders.ts';
import { weeklyDigestSweep } from './weekly-digest.ts';

/** Every alert the service sends to ALERTS_CHANNEL, each in its own file; main runs them at start-up and every minute. */
export const ALERT_SWEEPS: readonly AlertSweep[] = [expiryReminders, denialBurstSweep, weeklyDigestSweep];
