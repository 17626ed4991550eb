import type { WebClient } from '@slack/web-api';
import type { SlackDeps } from '../deps.ts';
import { logSlackFailure, slackErrorCode } from '../flows/notify.ts';
import type { AlertPoster } from './alert-poster.ts';

/** Refusals that trying again every minute would not change: the DM is given up (and logged once). */
const UNDELIVERABLE = new Set([
  'user_not_found',
  'channel_not_found',
  'account_inactive',
  'user_disabled',
  'cannot_dm_bot',
  'messages_tab_disabled',
]);

/** An alert sent as a DM to one person (chat.postMessage to their user id), for `sendOnce`. */
export function createDirectPoster(deps: SlackDeps, client: WebClient, userId: string): AlertPoster {
  return {
    channel: userId,
    async post(message, fields = {}) {
      try {
        await client.chat.postMessage({ channel: userId, text: message.text, blocks: message.blocks });
        return true;
      } catch (error) {
        const code = slackErrorCode(error);
        if (code !== undefined && UNDELIVERABLE.has(code)) {
          logSlackFailure(
            deps,
            error,
            `a direct alert to ${userId} cannot be delivered; it is not tried again`,
            fields,
          );
          return true;
        }
        logSlackFailure(deps, error, 'sending a direct alert; it will be tried again', { ...fields, userId });
        return false;
      }
    },
  };
}
