import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { isAppError } from '../../shared/errors.ts';
import type { SlackDeps } from '../deps.ts';
import { errorText } from '../ui/error-text.ts';

/** Slack error codes people can act on, in their words. Anything else gets a generic line; the log has the cause. */
const EXPLANATIONS: Record<string, string> = {
  expired_trigger_id: 'Slack took too long to open the dialog (the request expired). Please try again.',
  trigger_expired: 'Slack took too long to open the dialog (the request expired). Please try again.',
  exchanged_trigger_id: 'That button was already used. Please try again.',
  view_too_large: 'The dialog got too large for Slack. Please report this to the team running harvest-keys.',
  push_limit_reached: 'Too many dialogs are open at once: close one and try again.',
  not_found: 'The dialog was closed before it could be updated.',
  hash_conflict: 'The dialog changed while this was being applied: please try again.',
  ratelimited: 'Slack is rate-limiting the app right now. Please wait a moment and try again.',
  invalid_blocks: 'Slack refused the dialog’s layout. Please report this to the team running harvest-keys.',
};

/** The Slack error code of a Web API failure: platform errors carry it in `data.error`, rate limits in `code`. */
export function slackErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: string; data?: { error?: string }; original?: { message?: string } };
  if (e.code === 'slack_webapi_rate_limited_error') return 'ratelimited';
  // Once its retries are spent on 429s, the client reports a request error wrapping the rate limit.
  if (e.code === 'slack_webapi_request_error' && /rate limit/i.test(e.original?.message ?? '')) return 'ratelimited';
  return e.data?.error ?? e.code;
}

export function explain(error: unknown, command: string): string {
  if (isAppError(error)) return errorText(error, { command });
  const code = slackErrorCode(error);
  return (
    (code !== undefined ? EXPLANATIONS[code] : undefined) ??
    'Something went wrong talking to Slack; nothing more was changed. Please try again.'
  );
}

/** Logs a Slack API failure with its cause, never with the payload that was sent. */
export function logSlackFailure(
  deps: SlackDeps,
  error: unknown,
  what: string,
  fields: Record<string, unknown> = {},
): void {
  const code = slackErrorCode(error);
  deps.logger.warn(
    { ...fields, slackError: code, errMessage: error instanceof Error ? error.message : String(error) },
    `Slack API call failed: ${what}`,
  );
}

/** Why something failed, in a line for the person: the expected failure's words, or where the cause is. */
export function failureReason(deps: Pick<SlackDeps, 'command'>, error: unknown): string {
  return isAppError(error) ? errorText(error, { command: deps.command }) : 'see the service log';
}

/** Runs one Slack Web API call whose failure only needs logging: what it would have shown is not essential. */
export async function quietCall(
  deps: SlackDeps,
  what: string,
  fields: Record<string, unknown>,
  call: () => Promise<unknown>,
): Promise<void> {
  try {
    await call();
  } catch (error) {
    logSlackFailure(deps, error, what, fields);
  }
}

/**
 * Tells one person something: in the channel they typed the command in (ephemeral, via response_url) when there is
 * one, else in their DM with the app. Failing to tell is logged, never thrown: the change itself already happened.
 */
export async function tell(
  deps: SlackDeps,
  client: WebClient,
  userId: string,
  text: string,
  respond?: RespondFn | undefined,
): Promise<void> {
  try {
    if (respond !== undefined) {
      await respond({ response_type: 'ephemeral', replace_original: false, text });
    } else {
      await client.chat.postMessage({
        channel: userId,
        text,
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
      });
    }
  } catch (error) {
    logSlackFailure(deps, error, 'telling the user', { userId });
  }
}
