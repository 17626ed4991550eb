import type { AnyMiddlewareArgs, Middleware, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.ts';

/** Connection-level failures (postgres.js and node:net codes): the database, not the request, is the problem. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

export function isDatabaseUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNREACHABLE.has(code) || code === 'DATABASE_UNREACHABLE')) return true;
    e = (e as { original?: unknown; cause?: unknown }).original ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

export const UNREACHABLE_TEXT =
  ':warning: harvest-keys cannot reach its database right now, so this was not done. Please try again in a minute.';
export const FAILED_TEXT =
  ':warning: Something went wrong on harvest-keys’ side and this did not finish. Please try again; if it keeps failing, tell the team running harvest-keys.';

/**
 * Bolt global middleware: a listener that fails (the database is down, a bug) still leaves the person with a short
 * "try again" in the conversation, never silence. Listeners ack first, so Slack already had its answer.
 */
export function tellOnUnhandledFailure(logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    try {
      await args.next();
    } catch (error) {
      const body = args.body as { user?: { id?: string }; user_id?: string; type?: string };
      const userId = body.user?.id ?? body.user_id;
      const respond = (args as { respond?: RespondFn }).respond;
      const client = (args as { client?: WebClient }).client;
      const text = isDatabaseUnreachable(error) ? UNREACHABLE_TEXT : FAILED_TEXT;
      if (userId !== undefined && body.type !== 'block_suggestion') {
        try {
          if (respond !== undefined) await respond({ response_type: 'ephemeral', replace_original: false, text });
          else await client?.chat.postMessage({ channel: userId, text });
        } catch (tellError) {
          logger.warn(
            { userId, errMessage: tellError instanceof Error ? tellError.message : String(tellError) },
            'could not tell the user about a failed request',
          );
        }
      }
      throw error;
    }
  };
}
