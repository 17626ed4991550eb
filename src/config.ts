import path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from './project-root.ts';
import { AppError } from './shared/errors.ts';
import { parseWebhookSecret } from './webhooks/signature.ts';

/** Where GitHub publishes the keys that sign its secret scanning reports. */
export const GITHUB_SECRET_SCANNING_KEYS_URL = 'https://api.github.com/meta/public_keys/secret_scanning';

const slackUserId = /^[UW][A-Z0-9]{2,}$/;

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const portNumber = () =>
  z.coerce
    .number<string | undefined>({ error: 'a TCP port number, e.g. 3001' })
    .int('a whole number')
    .min(0, 'a port from 0 to 65535')
    .max(65535, 'a port from 0 to 65535');
const port = (fallback: number) => portNumber().default(fallback);

/** Unset (blank) means "the default for this database mode": loopback on a developer machine, every interface otherwise. */
const host = optionalString.pipe(
  z
    .union([z.ipv4(), z.ipv6(), z.hostname()], { error: 'an IP address or host name, e.g. 127.0.0.1 or 0.0.0.0' })
    .optional(),
);

const schema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { error: 'one of development, production, test' })
    .default('development'),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a PostgreSQL URL, e.g. postgres://user:pass@host:5432/db')
      .optional(),
  ),
  DATA_DIR: optionalString.transform((value) => value ?? './data'),
  EMBEDDED_PG_PORT: port(54329),
  KEY_PEPPER: optionalString.pipe(
    z.string().min(32, 'at least 32 characters of random data, e.g. `openssl rand -base64 48`').optional(),
  ),
  KEY_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,9}$/, '2–10 lowercase letters or digits starting with a letter, e.g. hk')
    .default('hk'),
  LEGACY_CUTOFF: z.iso.date('a date as YYYY-MM-DD, e.g. 2017-01-18').default('2017-01-18'),
  CATALOG_FILE: optionalString,
  KEY_MAX_LIFETIME_DAYS: optionalString.pipe(
    z.coerce
      .number<string | undefined>({ error: 'a number of days, e.g. 365' })
      .int('a whole number of days')
      .min(1, 'at least 1 day')
      .max(36_500, 'at most 36500 days')
      .optional(),
  ),
  LEGACY_KEYS_EXPIRE_AT: optionalString.pipe(
    z.iso.datetime({ offset: true, error: 'an ISO date-time, e.g. 2027-06-30T00:00:00Z' }).optional(),
  ),
  AUTHZ_HOST: host,
  AUTHZ_PORT: port(3001),
  AUTHZ_MAX_STALENESS: z.coerce
    .number({ error: 'a number of seconds, e.g. 30' })
    .int('a whole number of seconds')
    .min(1, 'at least 1 second')
    .max(3600, 'at most 3600 seconds')
    .default(30),
  AUTHZ_REALM: z
    .string()
    .regex(/^[\x20-\x7e]{1,100}$/, 'printable ASCII, e.g. Harvest API')
    .refine((v) => !/["\\]/.test(v), 'no quotes or backslashes')
    .default('Harvest API'),
  CLIENT_IP_HEADER: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'an HTTP header name, e.g. x-forwarded-for')
    .refine((v) => v !== 'forwarded', 'Forwarded (RFC 7239) is not read: have the gateway set X-Forwarded-For')
    .default('x-forwarded-for'),
  OAUTH_TOKEN_TTL: z.coerce
    .number({ error: 'a number of seconds, e.g. 3600' })
    .int('a whole number of seconds')
    .min(60, 'at least 60 seconds')
    .max(3600, 'at most 3600 seconds (one hour, as Harvest v3 tokens)')
    .default(3600),
  OAUTH_ISSUER: optionalString.pipe(
    z
      .url({ protocol: /^https?$/, error: 'an http(s) URL without query or fragment, e.g. https://api.example.com' })
      .refine((v) => !/[?#]/.test(v), 'no query or fragment')
      .optional(),
  ),
  TRUSTED_PROXY_HOPS: z.coerce
    .number({ error: 'a whole number of proxies, e.g. 1' })
    .int('a whole number of proxies')
    .min(1, 'at least 1 (the gateway that asks /authz)')
    .max(10, 'at most 10')
    .default(1),
  USAGE_FLUSH_INTERVAL: z.coerce
    .number({ error: 'a number of seconds, e.g. 10' })
    .int('a whole number of seconds')
    .min(1, 'at least 1 second')
    .max(3600, 'at most 3600 seconds')
    .default(10),
  ADMIN_SLACK_USER_IDS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== ''),
    )
    .pipe(z.array(z.string().regex(slackUserId, 'comma-separated Slack user ids, e.g. U012ABCDEF,U034GHIJKL'))),
  LOG_LEVEL: z
    .string()
    .default('info')
    .transform((value) => value.trim().toLowerCase())
    .pipe(
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'one of fatal, error, warn, info, debug, trace, silent',
      }),
    ),
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
  SECRET_SCANNING_KEYS_URL: optionalString.pipe(
    z
      .url({
        protocol: /^https?$/,
        error:
          "an http(s) URL of GitHub's secret scanning public keys, e.g. https://api.github.com/meta/public_keys/secret_scanning",
      })
      .optional(),
  ),
  SECRET_SCANNING_ACTION: z
    .string()
    .default('revoke')
    .transform((value) => value.trim().toLowerCase() || 'revoke')
    .pipe(
      z.enum(['revoke', 'alert'], {
        error: 'revoke (a reported key is revoked at once, then announced) or alert (announced only)',
      }),
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
  SERVICE_PGP_PRIVATE_KEY: optionalString.pipe(
    z
      .string()
      .regex(
        /-----BEGIN PGP PRIVATE KEY BLOCK-----/,
        'an armored OpenPGP private key (-----BEGIN PGP PRIVATE KEY BLOCK-----…)',
      )
      .optional(),
  ),
  // Not trimmed: spaces may be part of a passphrase.
  SERVICE_PGP_PASSPHRASE: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
  DELIVERY_CONFIRM_HOURS: z.coerce
    .number({ error: 'a number of hours, e.g. 72' })
    .int('a whole number of hours')
    .min(1, 'at least 1 hour')
    .max(8760, 'at most 8760 hours (a year)')
    .default(72),
  SLACK_BOT_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^xoxb-\S+$/, 'a bot token starting with xoxb-')
      .optional(),
  ),
  SLACK_SIGNING_SECRET: optionalString.pipe(
    z
      .string()
      .regex(/^[0-9a-f]{16,}$/i, "the app's signing secret (hex, from Basic Information)")
      .optional(),
  ),
  SLACK_APP_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^xapp-\S+$/, 'an app-level token starting with xapp- (scope connections:write)')
      .optional(),
  ),
  SLACK_API_URL: optionalString.pipe(
    z
      .url({ protocol: /^https?$/, error: 'an http(s) URL of the Slack Web API, e.g. https://slack.com/api/' })
      .optional(),
  ),
  SLACK_TEAM_ID: optionalString.pipe(
    z
      .string()
      .regex(/^T[A-Z0-9]{2,}$/, 'a Slack workspace id, e.g. T012ABCDEF')
      .optional(),
  ),
  SLACK_COMMAND: z
    .string()
    .regex(/^\/[a-z0-9_-]{1,31}$/, 'a slash command such as /harvest-keys (lowercase, at most 32 characters)')
    .default('/harvest-keys'),
  PORT: port(3000),
  HOST: host,
  METRICS_PORT: optionalString.pipe(portNumber().optional()),
  METRICS_HOST: host,
  WEBHOOK_URL: optionalString.pipe(
    z
      .url({
        protocol: /^https?$/,
        error: 'an http(s) URL of the receiver, e.g. https://siem.example.com/hooks/harvest-keys',
      })
      // fetch refuses such a URL, and its error would carry the password into the logs.
      .refine((value) => !/^https?:\/\/[^/?#]*@/i.test(value), 'a URL without user:password@ (put a token in its path)')
      .optional(),
  ),
  // Never echoed: the message says only what shape is expected.
  WEBHOOK_SECRET: optionalString.pipe(
    z
      .string()
      .refine(
        (value) => parseWebhookSecret(value) !== undefined,
        'whsec_ followed by the base64 of 24 to 64 random bytes, e.g. whsec_$(openssl rand -base64 32)',
      )
      .optional(),
  ),
});

type Env = z.infer<typeof schema>;

/** Every setting the service reads, for the check that the README's configuration table documents each one. */
export const SETTING_NAMES: readonly string[] = Object.keys(schema.shape);

export interface Config {
  env: Env['NODE_ENV'];
  database: { url: string; kind: 'external' } | { kind: 'embedded'; port: number };
  dataDir: string;
  keyPepper: string | undefined;
  keyPrefix: string;
  legacyCutoff: Date;
  /** KEY_MAX_LIFETIME_DAYS (null: no maximum) and LEGACY_KEYS_EXPIRE_AT (null: legacy keys keep their own expiry). */
  expiry: { maxLifetimeDays: number | null; legacyKeysExpireAt: Date | null };
  catalogFile: string | undefined;
  authz: {
    /** Loopback with the embedded database (a developer machine), every interface with DATABASE_URL, unless set. */
    host: string;
    port: number;
    /** Past this much time without the key change channel, /authz fails closed with 503. */
    maxStalenessMs: number;
    realm: string;
    usageFlushMs: number;
    /**
     * Where a key with allowed networks finds the client address: the entry `hops` from the right of this
     * comma-separated header (1: the last one, which the gateway appended).
     */
    clientIp: { header: string; hops: number };
    /** Harvest v3 clients: access token lifetime (OAUTH_TOKEN_TTL) and the issuer URL (OAUTH_ISSUER; unset: the request's). */
    oauth: { tokenTtlSeconds: number; issuer: string | undefined };
  };
  /** Set: `/metrics` is served here only (not on AUTHZ_PORT), so the port gateways reach has no metrics. */
  metrics: { host: string; port: number } | undefined;
  adminSlackUserIds: string[];
  logLevel: Env['LOG_LEVEL'];
  approvals: {
    requiredFor: ReadonlySet<'create' | 'permissions' | 'reenable' | 'replace'>;
    approvalsRequired: number;
    channel: string | undefined;
    ttlHours: number;
    revealTtlHours: number;
  };
  /** ALERTS_CHANNEL: where expiry reminders, leaks and other alerts are posted; unset, they are only logged. */
  /**
   * GitHub secret scanning reports (`POST /secret-scanning/github`): where GitHub publishes the keys that sign them,
   * and what happens to a key of ours found in public (revoked at once, or only announced).
   */
  secretScanning: { keysUrl: string; action: 'revoke' | 'alert' };
  alerts: {
    channel: string | undefined;
    /** EXPIRY_REMINDER_DAYS: days before a key's end when it is reminded of, farthest first; empty: no reminders. */
    expiryReminderDays: readonly number[];
    /** ALERT_DENIED_BURST: denials of a removed endpoint within 10 minutes of the edit that alert. */
    deniedBurst: number;
    /** UNUSED_KEY_DAYS: a key not used for this long is listed in the weekly digest. */
    unusedKeyDays: number;
  };
  /** The key that signs deliveries: supplied, or generated once in DATA_DIR. */
  servicePgp: { privateKey: string | undefined; passphrase: string | undefined };
  deliveryConfirmHours: number;
  /** Unset when Slack is not configured: the service then runs without its Slack surface. */
  slack: SlackConfig | undefined;
  /** Standard Webhooks receiver of every key, partner and approval event; unset: no events are written or sent. */
  webhooks: { url: string; secret: string } | undefined;
}

export type SlackConfig = {
  botToken: string;
  /** Web API base URL ending in a slash (a proxy, or a local fake in tests and benchmarks). */
  apiUrl: string | undefined;
  command: string;
  /** The installed workspace; requests naming another team are refused. Unset: learned from `auth.test`. */
  teamId?: string | undefined;
} & (
  | {
      mode: 'http';
      signingSecret: string;
      port: number;
      /** Undefined: every interface (Node's default, IPv6 included). */
      host?: string | undefined;
    }
  | { mode: 'socket'; appToken: string }
);

/**
 * The one place that reads the environment. Every problem is reported at once, each naming its variable and the
 * expected shape, so an operator fixes the whole file in one go.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(source);
  const blank = (name: string) => (source[name] ?? '').trim() === '';
  // Checked outside the schema so it is reported together with every other problem, not after they are fixed.
  const pepperMissing = !blank('DATABASE_URL') && blank('KEY_PEPPER');
  const slackProblems = slackCombinationProblems(blank);
  const portProblems = parsed.success ? metricsPortProblems(parsed.data, blank) : [];
  const webhookProblems = webhookCombinationProblems(blank);
  if (
    !parsed.success ||
    pepperMissing ||
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
    if (pepperMissing) {
      details.push(
        'KEY_PEPPER is missing: expected at least 32 random characters, required when DATABASE_URL is set, kept outside the database',
      );
    }
    details.push(...slackProblems, ...portProblems, ...webhookProblems);
    throw new AppError('CONFIG_INVALID', `Configuration is invalid:\n  - ${details.join('\n  - ')}`, { details });
  }
  const env = parsed.data as Env;
  // Relative to the project, not the current folder: run from elsewhere, the CLI must find the same data and pepper.
  const dataDir = path.resolve(PROJECT_ROOT, env.DATA_DIR);
  // A developer machine (embedded database) serves nobody else: nothing listens beyond loopback unless asked to.
  const embedded = env.DATABASE_URL === undefined;
  const defaultHost = embedded ? '127.0.0.1' : '0.0.0.0';
  return {
    env: env.NODE_ENV,
    database:
      env.DATABASE_URL === undefined
        ? { kind: 'embedded', port: env.EMBEDDED_PG_PORT }
        : { kind: 'external', url: env.DATABASE_URL },
    dataDir,
    keyPepper: env.KEY_PEPPER,
    keyPrefix: env.KEY_PREFIX,
    legacyCutoff: new Date(`${env.LEGACY_CUTOFF}T00:00:00Z`),
    expiry: {
      maxLifetimeDays: env.KEY_MAX_LIFETIME_DAYS ?? null,
      legacyKeysExpireAt: env.LEGACY_KEYS_EXPIRE_AT === undefined ? null : new Date(env.LEGACY_KEYS_EXPIRE_AT),
    },
    catalogFile: env.CATALOG_FILE === undefined ? undefined : path.resolve(env.CATALOG_FILE),
    authz: {
      host: env.AUTHZ_HOST ?? defaultHost,
      port: env.AUTHZ_PORT,
      maxStalenessMs: env.AUTHZ_MAX_STALENESS * 1000,
      realm: env.AUTHZ_REALM,
      usageFlushMs: env.USAGE_FLUSH_INTERVAL * 1000,
      clientIp: { header: env.CLIENT_IP_HEADER, hops: env.TRUSTED_PROXY_HOPS },
      oauth: { tokenTtlSeconds: env.OAUTH_TOKEN_TTL, issuer: env.OAUTH_ISSUER?.replace(/\/+$/, '') },
    },
    metrics:
      env.METRICS_PORT === undefined ? undefined : { host: env.METRICS_HOST ?? defaultHost, port: env.METRICS_PORT },
    adminSlackUserIds: env.ADMIN_SLACK_USER_IDS,
    logLevel: env.LOG_LEVEL,
    approvals: {
      requiredFor: new Set(env.APPROVAL_REQUIRED_FOR),
      approvalsRequired: env.APPROVALS_REQUIRED,
      channel: env.APPROVALS_CHANNEL,
      ttlHours: env.APPROVAL_TTL_HOURS,
      revealTtlHours: env.REVEAL_TTL_HOURS,
    },
    secretScanning: {
      keysUrl: env.SECRET_SCANNING_KEYS_URL ?? GITHUB_SECRET_SCANNING_KEYS_URL,
      action: env.SECRET_SCANNING_ACTION,
    },
    alerts: {
      channel: env.ALERTS_CHANNEL,
      expiryReminderDays: env.EXPIRY_REMINDER_DAYS,
      deniedBurst: env.ALERT_DENIED_BURST,
      unusedKeyDays: env.UNUSED_KEY_DAYS,
    },
    servicePgp: { privateKey: env.SERVICE_PGP_PRIVATE_KEY, passphrase: env.SERVICE_PGP_PASSPHRASE },
    deliveryConfirmHours: env.DELIVERY_CONFIRM_HOURS,
    slack: slackConfig(env),
    webhooks:
      env.WEBHOOK_URL === undefined || env.WEBHOOK_SECRET === undefined
        ? undefined
        : { url: env.WEBHOOK_URL, secret: env.WEBHOOK_SECRET },
  };
}

/** A receiver without a secret could not check a signature, and a secret without a receiver is a forgotten URL. */
function webhookCombinationProblems(blank: (name: string) => boolean): string[] {
  if (!blank('WEBHOOK_URL') && blank('WEBHOOK_SECRET'))
    return ['WEBHOOK_SECRET is missing: expected the whsec_… signing secret with WEBHOOK_URL (both or neither)'];
  if (blank('WEBHOOK_URL') && !blank('WEBHOOK_SECRET'))
    return ['WEBHOOK_URL is missing: expected the receiver URL with WEBHOOK_SECRET (both or neither)'];
  return [];
}

/** Two listeners cannot share a port; port 0 (any free port) never clashes. */
function metricsPortProblems(env: Env, blank: (name: string) => boolean): string[] {
  if (env.METRICS_PORT === undefined)
    return blank('METRICS_HOST')
      ? []
      : ['METRICS_HOST is set but METRICS_PORT is not: expected METRICS_PORT too, or neither'];
  if (env.METRICS_PORT === 0) return [];
  if (env.METRICS_PORT === env.AUTHZ_PORT)
    return [`METRICS_PORT is invalid: expected a port other than AUTHZ_PORT (${env.AUTHZ_PORT})`];
  const slackHttp = env.SLACK_BOT_TOKEN !== undefined && env.SLACK_APP_TOKEN === undefined;
  if (slackHttp && env.METRICS_PORT === env.PORT)
    return [`METRICS_PORT is invalid: expected a port other than PORT (${env.PORT})`];
  return [];
}

/** A half-configured Slack app is a mistake, not a wish to run without Slack: say what is missing. */
function slackCombinationProblems(blank: (name: string) => boolean): string[] {
  const hasReceiver = !blank('SLACK_SIGNING_SECRET') || !blank('SLACK_APP_TOKEN');
  if (!blank('SLACK_BOT_TOKEN') && !hasReceiver) {
    return [
      'SLACK_SIGNING_SECRET is missing: expected the signing secret (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) with SLACK_BOT_TOKEN',
    ];
  }
  if (blank('SLACK_BOT_TOKEN') && hasReceiver) {
    return [
      'SLACK_BOT_TOKEN is missing: expected the bot token (xoxb-…) from OAuth & Permissions with the signing secret or app token',
    ];
  }
  return [];
}

function slackConfig(env: Env): SlackConfig | undefined {
  if (env.SLACK_BOT_TOKEN === undefined) return undefined;
  const base = {
    botToken: env.SLACK_BOT_TOKEN,
    apiUrl: env.SLACK_API_URL === undefined ? undefined : env.SLACK_API_URL.replace(/\/*$/, '/'),
    command: env.SLACK_COMMAND,
    teamId: env.SLACK_TEAM_ID,
  };
  // Socket Mode wins when both are set: it needs no public URL, so it is the safer reading of an ambiguous setup.
  if (env.SLACK_APP_TOKEN !== undefined) return { ...base, mode: 'socket', appToken: env.SLACK_APP_TOKEN };
  const host = env.HOST ?? (env.DATABASE_URL === undefined ? '127.0.0.1' : undefined);
  return { ...base, mode: 'http', signingSecret: env.SLACK_SIGNING_SECRET as string, port: env.PORT, host };
}
