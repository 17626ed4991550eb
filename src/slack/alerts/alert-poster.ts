import type { WebClient } from '@slack/web-api';
import type { Block } from '../blocks/kit.ts';
import type { SlackDeps } from '../deps.ts';
import { logSlackFailure, slackErrorCode } from '../flows/notify.ts';

export interface AlertMessage {
  /** The notification and screen-reader text; also what is logged when no ALERTS_CHANNEL is set. */
  text: string;
  blocks: Block[];
}

/** Posts to ALERTS_CHANNEL. Unset, an alert is logged (its text, never a secret: alerts carry none) and counts as sent. */
export interface AlertPoster {
  readonly channel: string | undefined;
  post(message: AlertMessage, fields?: Record<string, unknown>): Promise<boolean>;
}

/** Slack's refusals that an admin fixes in the channel, in their words. */
const CHANNEL_REFUSALS: Record<string, (channel: string) => string> = {
  not_in_channel: (c) =>
    `the app is not a member of the alerts channel ${c}: invite it there (\`/invite @<the app's name>\` in that channel)`,
  channel_not_found: (c) =>
    `the alerts channel ${c} was not found (ALERTS_CHANNEL): check the channel id, and for a private channel invite the app first`,
  is_archived: (c) => `the alerts channel ${c} is archived: unarchive it or set ALERTS_CHANNEL to another channel`,
};

export function createAlertPoster(deps: SlackDeps, client: WebClient, channel: string | undefined): AlertPoster {
  return {
    channel,
    async post(message, fields = {}) {
      if (channel === undefined) {
        deps.logger.info({ ...fields, alert: message.text }, 'alert (ALERTS_CHANNEL is not set, so it is only logged)');
        return true;
      }
      try {
        await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
        return true;
      } catch (error) {
        const refusal = CHANNEL_REFUSALS[slackErrorCode(error) ?? ''];
        logSlackFailure(deps, error, refusal?.(channel) ?? 'posting an alert; it will be tried again', fields);
        return false;
      }
    },
  };
}
