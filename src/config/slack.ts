import { z } from 'zod';
import { host, optionalString, port } from './fields.ts';

const slackUserId = /^[UW][A-Z0-9]{2,}$/;

/** The Slack app: its tokens, its receiver (HTTP or Socket Mode), its slash command, and who administers it. */
export const slackSettings = {
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
};

export type SlackEnv = z.output<z.ZodObject<typeof slackSettings>>;

export interface SlackSections {
  adminSlackUserIds: string[];
  /** Unset when Slack is not configured: the service then runs without its Slack surface. */
  slack: SlackConfig | undefined;
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

/** A half-configured Slack app is a mistake, not a wish to run without Slack: say what is missing. */
export function slackCombinationProblems(blank: (name: string) => boolean): string[] {
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

/** `embedded`: no DATABASE_URL (a developer machine), where the HTTP receiver listens on loopback unless HOST says. */
export function slackSections(env: SlackEnv, embedded: boolean): SlackSections {
  return { adminSlackUserIds: env.ADMIN_SLACK_USER_IDS, slack: slackConfig(env, embedded) };
}

function slackConfig(env: SlackEnv, embedded: boolean): SlackConfig | undefined {
  if (env.SLACK_BOT_TOKEN === undefined) return undefined;
  const base = {
    botToken: env.SLACK_BOT_TOKEN,
    apiUrl: env.SLACK_API_URL === undefined ? undefined : env.SLACK_API_URL.replace(/\/*$/, '/'),
    command: env.SLACK_COMMAND,
    teamId: env.SLACK_TEAM_ID,
  };
  // Socket Mode wins when both are set: it needs no public URL, so it is the safer reading of an ambiguous setup.
  if (env.SLACK_APP_TOKEN !== undefined) return { ...base, mode: 'socket', appToken: env.SLACK_APP_TOKEN };
  const host = env.HOST ?? (embedded ? '127.0.0.1' : undefined);
  return { ...base, mode: 'http', signingSecret: env.SLACK_SIGNING_SECRET as string, port: env.PORT, host };
}
