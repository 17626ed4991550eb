import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { isAppError } from '../shared/errors.ts';
import { noticeView } from './blocks/notice-views.ts';
import { errorText } from './ui/error-text.ts';

/**
 * A listener that throws before its ack (a forged or outdated `private_metadata`, a bug) would leave Slack waiting:
 * Bolt answers 404 after 3 s or 500, and Slack shows a generic error. The request is acknowledged here instead; a
 * dialog submission is answered with the reason when it is an expected refusal. The error still goes on up to be
 * logged and explained by the middleware before this one.
 */
export function ackOnFailure(command: string): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    try {
      await args.next();
    } catch (error) {
      const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
      const body = args.body as { type?: unknown };
      if (ack !== undefined) {
        const response =
          body.type === 'view_submission' && isAppError(error)
            ? { response_action: 'update', view: noticeView('Not Done', `:warning: ${errorText(error, { command })}`) }
            : undefined;
        // Throws when the listener had already acknowledged: then Slack has its answer and there is nothing to add.
        await ack(response).catch(() => undefined);
      }
      throw error;
    }
  };
}
