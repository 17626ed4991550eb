import type { AlertSweep } from './alert-sweeps.ts';
import { expiryReminders } from './expiry-reminders.ts';

/** Every alert the service sends to ALERTS_CHANNEL, each in its own file; main runs them at start-up and every minute. */
export const ALERT_SWEEPS: readonly AlertSweep[] = [expiryReminders];
