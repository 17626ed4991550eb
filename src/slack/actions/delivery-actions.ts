import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { isAppError } from '../../shared/errors.ts';
import { deliveryConfirmedBlocks, deliveryConfirmedNotice } from '../blocks/delivery-blocks.ts';
import type { Block } from '../blocks/kit.ts';
import type { SlackDeps } from '../deps.ts';
import { ActionId } from '../ids.ts';
import { logSlackFailure, tell } from '../notify.ts';
import { errorText } from '../ui/error-text.ts';

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

/**
 * The partner contact's "I have stored the API Key" in the delivery DM. The contact is usually an external Slack
 * Connect user with no role here, so no role guard: the delivery service checks that the clicker is the contact the
 * key was sent to. The message loses its button, and the admin who created the key is told.
 */
export function registerDeliveryActions(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ActionId.deliveryStored, async ({ ack, body, action, client, respond }) => {
    await ack();
    const clicker = body.user.id;
    const answer = (text: string) =>
      tell(deps, client, clicker, text, body.response_url === undefined ? undefined : respond);
    if (deps.delivery === undefined)
      return answer('This server cannot record deliveries right now. Please tell the team that sent you the key.');
    let result: Awaited<ReturnType<NonNullable<SlackDeps['delivery']>['confirmStored']>>;
    try {
      result = await deps.delivery.confirmStored(action.value ?? '', clicker);
    } catch (error) {
      if (isAppError(error, 'FORBIDDEN')) {
        deps.logger.info({ userId: clicker }, 'delivery confirmation refused: not the contact');
        return answer(
          'Sorry, only the person this API key was sent to can confirm it was stored. Nothing was changed.',
        );
      }
      if (isAppError(error, 'DELIVERY_NOT_FOUND'))
        return answer('This delivery is not known here any more; nothing was changed.');
      if (isAppError(error)) return answer(errorText(error, { command: deps.command }));
      throw error;
    }
    const { delivery, changed } = result;
    const channel = body.channel?.id ?? delivery.channelId ?? undefined;
    const ts = body.message?.ts ?? delivery.messageTs ?? undefined;
    if (channel !== undefined && ts !== undefined) {
      const blocks = deliveryConfirmedBlocks(
        body.message?.blocks as Block[] | undefined,
        delivery.confirmedAt ?? deps.now(),
      );
      try {
        await client.chat.update({ channel, ts, text: `You confirmed you stored API key ${delivery.keyId}.`, blocks });
      } catch (error) {
        logSlackFailure(deps, error, 'marking the delivery message confirmed', { userId: clicker });
      }
    }
    if (!changed) return;
    deps.logger.info(
      { deliveryId: delivery.id, keyId: delivery.keyId, userId: clicker },
      'partner confirmed the delivered key is stored',
    );
    if (SLACK_USER.test(delivery.createdBy)) {
      const key = await deps.services.keys.get(delivery.keyId).catch(() => undefined);
      const notice = deliveryConfirmedNotice(delivery, key?.description);
      try {
        await client.chat.postMessage({ channel: delivery.createdBy, ...notice });
      } catch (error) {
        logSlackFailure(deps, error, 'telling the admin the partner stored the key', { userId: delivery.createdBy });
      }
    }
  });
}
