import type { WebClient } from '@slack/web-api';
import type { Delivery, DirectMessenger, EncryptedKeyMessage } from '../../delivery/types.ts';
import { MessengerError } from '../../delivery/types.ts';
import { deliveryCommands, deliveryFileName, SERVICE_KEY_FILE_NAME } from '../../delivery/delivery-text.ts';
import type { IssuedKey } from '../../keys/types.ts';
import type { Logger } from '../../logger.ts';
import { factText, isAppError } from '../../shared/errors.ts';
import { deliveredView, deliveryFailedView, deliveryMessage, type ReplacedKey } from '../blocks/delivery-blocks.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { keyName } from '../ui/format.ts';
import type { ModalView } from '../blocks/kit.ts';
import type { SlackDeps } from '../deps.ts';
import { errorFieldText, errorText } from '../ui/error-text.ts';
import { slackErrorCode } from './notify.ts';

/**
 * The delivery port over the bot's Web API client: opens a DM with the contact (`conversations.open`, which also
 * works for Slack Connect users who share a channel with the app), posts the armored message with its button, and
 * attaches the same text as an `.asc` file beside the service's public key (`files.uploadV2`). Slack's refusals become `MessengerError(code)`; the
 * client's own retries (rate limits) have run by then, so a rejection is final.
 */
export function createSlackMessenger(client: WebClient, logger: Pick<Logger, 'warn'>): DirectMessenger {
  const refuse = (error: unknown, step: string): MessengerError => {
    const reason = slackErrorCode(error) ?? 'slack_error';
    return new MessengerError(reason, `Slack refused ${step} (${reason})`, { cause: error });
  };

  return {
    async sendEncryptedKey(input: EncryptedKeyMessage) {
      let channelId: string;
      try {
        const opened = await client.conversations.open({ users: input.contactSlackUserId, return_im: true });
        const id = opened.channel?.id;
        if (id === undefined) throw new MessengerError('no_channel', 'Slack opened no direct message channel');
        channelId = id;
      } catch (error) {
        if (error instanceof MessengerError) throw error;
        throw refuse(error, 'to open a direct message with the contact');
      }

      let messageTs: string;
      try {
        const message = deliveryMessage(input);
        const posted = await client.chat.postMessage({
          channel: channelId,
          text: message.text,
          blocks: message.blocks,
          unfurl_links: false,
        });
        if (posted.ts === undefined) throw new MessengerError('no_ts', 'Slack posted the message without a timestamp');
        messageTs = posted.ts;
      } catch (error) {
        if (error instanceof MessengerError) throw error;
        throw refuse(error, 'the direct message');
      }

      try {
        // Two files in one upload: the encrypted key, and the service key that signed it, so a stock gpg can check
        // the signature without a trip to /pgp/service.asc ("Can't check signature: No public key" otherwise).
        const [importCommand, decryptCommand] = deliveryCommands(input.keyId);
        await client.files.uploadV2({
          channel_id: channelId,
          initial_comment: `The encrypted key and the harvest-keys signing key as files: ${importCommand} then ${decryptCommand}`,
          file_uploads: [
            {
              filename: deliveryFileName(input.keyId),
              title: deliveryFileName(input.keyId),
              content: input.armoredMessage,
            },
            { filename: SERVICE_KEY_FILE_NAME, title: SERVICE_KEY_FILE_NAME, content: input.signerPublicKey },
          ],
        });
      } catch (error) {
        // The key behind the posted message is about to be revoked: say so in it, so nobody stores a dead key.
        const failure = refuse(error, 'the attached .asc files');
        try {
          await client.chat.update({
            channel: channelId,
            ts: messageTs,
            text: `This delivery of ${escapeMrkdwn(input.description)} failed and the key was revoked: ignore it.`,
            blocks: [
              {
                type: 'section',
                text: {
                  type: 'mrkdwn',
                  text: `:x: This delivery of *${escapeMrkdwn(input.description)}* failed and the key was revoked: ignore it. A new key will follow.`,
                },
              },
            ],
          });
        } catch (updateError) {
          logger.warn(
            { deliveryId: input.deliveryId, slackError: slackErrorCode(updateError) },
            'could not withdraw the message of a failed delivery',
          );
        }
        throw failure;
      }
      return { channelId, messageTs };
    },
  };
}

/** What the admin's dialog shows after a hand-over attempt: where the key went, or why not (the key is then revoked). */
export type DeliveryResult =
  | { ok: true; delivery: Delivery; view: ModalView; text: string }
  | { ok: false; code: string; reason: string; revoked: boolean; view: ModalView; text: string };

/**
 * Hands an issued key to the delivery service and says what happened in a form any caller can render (the create
 * and replace dialogs, the approval listener after an approved create/replace). The secret is never in the result.
 */
export async function deliverIssuedKey(
  deps: Pick<SlackDeps, 'command' | 'delivery' | 'logger' | 'services' | 'now'>,
  issued: IssuedKey,
  actor: string,
  contactSlackUserId: string,
  options: { replaced?: ReplacedKey | undefined } = {},
): Promise<DeliveryResult> {
  const keyId = issued.key.id;
  try {
    const delivery = await deps.delivery.deliver({ issued, actor, contactSlackUserId });
    const contact = delivery.contactSlackUserId ?? contactSlackUserId;
    const fingerprint = delivery.recipientFingerprint ?? '';
    return {
      ok: true,
      delivery,
      text: `:closed_lock_with_key: Sent ${keyName(issued.key)} encrypted to <@${contact}>.`,
      view: deliveredView({ key: issued.key, contact, fingerprint, replaced: options.replaced }),
    };
  } catch (error) {
    if (!isAppError(error)) throw error;
    // The service recorded the failure with the platform's code; the AppError carries its facts.
    const deliveryId = factText(error, 'deliveryId');
    const record = deliveryId === undefined ? undefined : await deps.delivery.get(deliveryId).catch(() => undefined);
    const codeText = record?.errorCode ?? factText(error, 'failure') ?? error.code;
    const reason = record?.errorMessage ?? factText(error, 'reason') ?? errorFieldText(error, deps);
    const revoked = error.facts.revoked !== false;
    deps.logger.warn({ keyId, contact: contactSlackUserId, code: codeText, revoked }, 'encrypted hand-over failed');
    const replaced = await oldKeyNow(deps, options.replaced);
    return {
      ok: false,
      code: codeText,
      reason,
      revoked,
      text: `:x: ${errorText(error, deps)}`,
      view: deliveryFailedView({
        key: issued.key,
        contact: contactSlackUserId,
        reason,
        code: codeText,
        revoked,
        replaced,
        now: deps.now(),
      }),
    };
  }
}

/**
 * The replaced (or upgraded) key as the failed hand-over left it: the delivery service undid the replace, so the key
 * is as it was before (no successor, no scheduled end) and the admin retries from it.
 */
async function oldKeyNow(
  deps: Pick<SlackDeps, 'logger' | 'services'>,
  old: ReplacedKey | undefined,
): Promise<ReplacedKey | undefined> {
  if (old === undefined) return undefined;
  try {
    return await deps.services.keys.get(old.id);
  } catch (error) {
    deps.logger.warn({ keyId: old.id, err: error }, 'could not read the old key of a failed hand-over');
    return old;
  }
}
