import { z } from 'zod';
import { AppError } from './shared/errors.ts';
import {
  type ApprovalsAlertsConfig,
  approvalsAlertsConfig,
  approvalsAlertsSettings as approvalsAlerts,
} from './config/approvals-alerts.ts';
import {
  type AuthzNetworkConfig,
  authzNetworkConfig,
  authzNetworkSettings as authzNetwork,
  metricsPortProblems,
} from './config/authz-network.ts';
import {
  type DatabaseKeysConfig,
  databaseKeysConfig,
  databaseKeysSettings as databaseKeys,
  pepperProblems,
} from './config/database-keys.ts';
import { oauthConfig, oauthSettings as oauth } from './config/oauth.ts';
import { processSettings as processWide } from './config/process-settings.ts';
import {
  type SecretScanningConfig,
  secretScanningConfig,
  secretScanningSettings as secretScanning,
} from './config/secret-scanning.ts';
import {
  type SlackConfig,
  type SlackSections,
  slackCombinationProblems,
  slackSections,
  slackSettings as slack,
} from './config/slack.ts';
import {
  type WebhookConfig,
  webhookCombinationProblems,
  webhookConfig,
  webhookSettings as webhooks,
} from './config/webhooks.ts';

export { GITHUB_SECRET_SCANNING_KEYS_URL } from './config/secret-scanning.ts';
export type { SlackConfig };

/**
 * Every setting, each from its area's file. Listed one by one (not spread) so that problems are reported in this
 * order whatever the areas, and so that this file names every variable it reads.
 */
const schema = z.object({
  NODE_ENV: processWide.NODE_ENV,
  DATABASE_URL: databaseKeys.DATABASE_URL,
  DATA_DIR: databaseKeys.DATA_DIR,
  EMBEDDED_PG_PORT: databaseKeys.EMBEDDED_PG_PORT,
  KEY_PEPPER: databaseKeys.KEY_PEPPER,
  KEY_PREFIX: databaseKeys.KEY_PREFIX,
  LEGACY_CUTOFF: databaseKeys.LEGACY_CUTOFF,
  CATALOG_FILE: databaseKeys.CATALOG_FILE,
  KEY_MAX_LIFETIME_DAYS: databaseKeys.KEY_MAX_LIFETIME_DAYS,
  LEGACY_KEYS_EXPIRE_AT: databaseKeys.LEGACY_KEYS_EXPIRE_AT,
  AUTHZ_HOST: authzNetwork.AUTHZ_HOST,
  AUTHZ_PORT: authzNetwork.AUTHZ_PORT,
  AUTHZ_MAX_STALENESS: authzNetwork.AUTHZ_MAX_STALENESS,
  AUTHZ_REALM: authzNetwork.AUTHZ_REALM,
  AUTHZ_FAST_LANE: authzNetwork.AUTHZ_FAST_LANE,
  CLIENT_IP_HEADER: authzNetwork.CLIENT_IP_HEADER,
  OAUTH_TOKEN_TTL: oauth.OAUTH_TOKEN_TTL,
  OAUTH_ISSUER: oauth.OAUTH_ISSUER,
  TRUSTED_PROXY_HOPS: authzNetwork.TRUSTED_PROXY_HOPS,
  USAGE_FLUSH_INTERVAL: authzNetwork.USAGE_FLUSH_INTERVAL,
  ADMIN_SLACK_USER_IDS: slack.ADMIN_SLACK_USER_IDS,
  LOG_LEVEL: processWide.LOG_LEVEL,
  APPROVAL_REQUIRED_FOR: approvalsAlerts.APPROVAL_REQUIRED_FOR,
  APPROVALS_REQUIRED: approvalsAlerts.APPROVALS_REQUIRED,
  APPROVALS_CHANNEL: approvalsAlerts.APPROVALS_CHANNEL,
  ALERTS_CHANNEL: approvalsAlerts.ALERTS_CHANNEL,
  SECRET_SCANNING_KEYS_URL: secretScanning.SECRET_SCANNING_KEYS_URL,
  SECRET_SCANNING_ACTION: secretScanning.SECRET_SCANNING_ACTION,
  EXPIRY_REMINDER_DAYS: approvalsAlerts.EXPIRY_REMINDER_DAYS,
  ALERT_DENIED_BURST: approvalsAlerts.ALERT_DENIED_BURST,
  UNUSED_KEY_DAYS: approvalsAlerts.UNUSED_KEY_DAYS,
  APPROVAL_TTL_HOURS: approvalsAlerts.APPROVAL_TTL_HOURS,
  REVEAL_TTL_HOURS: approvalsAlerts.REVEAL_TTL_HOURS,
  SERVICE_PGP_PRIVATE_KEY: databaseKeys.SERVICE_PGP_PRIVATE_KEY,
  SERVICE_PGP_PASSPHRASE: databaseKeys.SERVICE_PGP_PASSPHRASE,
  DELIVERY_CONFIRM_HOURS: databaseKeys.DELIVERY_CONFIRM_HOURS,
  SLACK_BOT_TOKEN: slack.SLACK_BOT_TOKEN,
  SLACK_SIGNING_SECRET: slack.SLACK_SIGNING_SECRET,
  SLACK_APP_TOKEN: slack.SLACK_APP_TOKEN,
  SLACK_API_URL: slack.SLACK_API_URL,
  SLACK_TEAM_ID: slack.SLACK_TEAM_ID,
  SLACK_COMMAND: slack.SLACK_COMMAND,
  PORT: slack.PORT,
  HOST: slack.HOST,
  METRICS_PORT: authzNetwork.METRICS_PORT,
  METRICS_HOST: authzNetwork.METRICS_HOST,
  WEBHOOK_URL: webhooks.WEBHOOK_URL,
  WEBHOOK_SECRET: webhooks.WEBHOOK_SECRET,
} satisfies Record<
  | keyof typeof processWide
  | keyof typeof databaseKeys
  | keyof typeof authzNetwork
  | keyof typeof oauth
  | keyof typeof slack
  | keyof typeof approvalsAlerts
  | keyof typeof secretScanning
  | keyof typeof webhooks,
  z.ZodType
>);

type Env = z.infer<typeof schema>;

/** Every setting the service reads, for the check that the README's configuration table documents each one. */
export const SETTING_NAMES: readonly string[] = Object.keys(schema.shape);

export interface Config
  extends DatabaseKeysConfig,
    AuthzNetworkConfig,
    SlackSections,
    ApprovalsAlertsConfig,
    SecretScanningConfig,
    WebhookConfig {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
}

/**
 * The one place that reads the environment. Every problem is reported at once, each naming its variable and the
 * expected shape, so an operator fixes the whole file in one go.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(source);
  const blank = (name: string) => (source[name] ?? '').trim() === '';
  const pepperMissing = pepperProblems(blank);
  const slackProblems = slackCombinationProblems(blank);
  const portProblems = parsed.success ? metricsPortProblems(parsed.data, blank) : [];
  const webhookProblems = webhookCombinationProblems(blank);
  if (
    !parsed.success ||
    pepperMissing.length > 0 ||
    slackProblems.length > 0 ||
    portProblems.length > 0 ||
    webhookProblems.length > 0
  ) {
    const issues = parsed.success ? [] : parsed.error.issues;
    const details = issues.map((issue) => {
      const name = issue.path.length === 0 ? '(environment)' : String(issue.path[0]);
      const given = source[name];
      const shown = given === undefined || given.trim() === '' ? 'missing' : 'invalid';
      return `${name} is ${shown}: expected ${issue.message}`;
    });
    details.push(...pepperMissing, ...slackProblems, ...portProblems, ...webhookProblems);
    throw new AppError('CONFIG_INVALID', `Configuration is invalid:\n  - ${details.join('\n  - ')}`, { details });
  }
  const env = parsed.data as Env;
  // A developer machine (embedded database) serves nobody else: nothing listens beyond loopback unless asked to.
  const embedded = env.DATABASE_URL === undefined;
  const defaultHost = embedded ? '127.0.0.1' : '0.0.0.0';
  return {
    env: env.NODE_ENV,
    ...databaseKeysConfig(env),
    ...authzNetworkConfig(env, defaultHost, oauthConfig(env)),
    ...slackSections(env, embedded),
    logLevel: env.LOG_LEVEL,
    ...approvalsAlertsConfig(env),
    ...secretScanningConfig(env),
    ...webhookConfig(env),
  };
}
