import { ErrorCode } from '@slack/web-api';
import type { SlackConfig } from '../config.ts';

/** What Slack says of a token it will not take: fixing it is the operator's job, retrying alone will not help. */
const REFUSED_TOKEN = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'no_permission',
  'missing_scope',
  'invalid_token',
]);

export interface SlackProblem {
  /** Short, for /readyz. */
  reason: string;
  /** The one log line: what is wrong and what to do about it. */
  advice: string;
  /** A refused token or a taken port: an operator must act (logged as an error rather than a warning). */
  needsOperator: boolean;
}

type Stage = 'bot token' | 'connection';

function apiUrlOf(config: SlackConfig): string {
  return config.apiUrl ?? 'https://slack.com/api/';
}

/** Turns a failed start of the Slack side into one line naming the setting to fix and where to find its value. */
export function describeSlackProblem(error: unknown, stage: Stage, config: SlackConfig): SlackProblem {
  const e = error as {
    code?: unknown;
    data?: { error?: unknown };
    statusCode?: unknown;
    original?: { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  };
  if (e.code === ErrorCode.PlatformError) {
    const slackError = String(e.data?.error);
    if (REFUSED_TOKEN.has(slackError)) {
      if (stage === 'bot token') {
        return {
          reason: `Slack refused SLACK_BOT_TOKEN (${slackError})`,
          advice: `Slack refused SLACK_BOT_TOKEN (${slackError}): copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page at https://api.slack.com/apps, set SLACK_BOT_TOKEN and restart; /authz keeps serving meanwhile`,
          needsOperator: true,
        };
      }
      return {
        reason: `Slack refused SLACK_APP_TOKEN (${slackError})`,
        advice: `Slack refused SLACK_APP_TOKEN (${slackError}): create an App-Level Token with the connections:write scope under Basic Information → App-Level Tokens at https://api.slack.com/apps, set SLACK_APP_TOKEN and restart; /authz keeps serving meanwhile`,
        needsOperator: true,
      };
    }
    const call = stage === 'bot token' ? 'auth.test' : 'apps.connections.open';
    return {
      reason: `Slack answered ${call} with ${slackError}`,
      advice: `Slack answered ${call} with ${slackError}; retrying`,
      needsOperator: false,
    };
  }
  if (e.code === ErrorCode.RequestError) {
    // fetch reports "fetch failed" with the socket's code (ECONNREFUSED, ENOTFOUND…) as its cause.
    const cause = String(e.original?.code ?? e.original?.cause?.code ?? e.original?.message ?? 'no answer');
    return {
      reason: `cannot reach the Slack Web API at ${apiUrlOf(config)} (${cause})`,
      advice: `cannot reach the Slack Web API at ${apiUrlOf(config)} (${cause}): check this host's outbound HTTPS (or SLACK_API_URL); retrying, /authz keeps serving meanwhile`,
      needsOperator: false,
    };
  }
  if (e.code === ErrorCode.HTTPError) {
    return {
      reason: `the Slack Web API answered HTTP ${String(e.statusCode)}`,
      advice: `the Slack Web API at ${apiUrlOf(config)} answered HTTP ${String(e.statusCode)}; retrying`,
      needsOperator: false,
    };
  }
  if (e.code === 'EADDRINUSE' && config.mode === 'http') {
    return {
      reason: `port ${config.port} for Slack requests is taken`,
      advice: `port ${config.port} for Slack requests (PORT) is taken by another process: free it or set PORT; retrying, /authz keeps serving meanwhile`,
      needsOperator: true,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    reason:
      stage === 'bot token' ? `checking SLACK_BOT_TOKEN failed: ${message}` : `connecting to Slack failed: ${message}`,
    advice: `${stage === 'bot token' ? 'checking SLACK_BOT_TOKEN' : 'connecting to Slack'} failed: ${message}; retrying`,
    needsOperator: false,
  };
}
