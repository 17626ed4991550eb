import { deliveryConfirmedBlocks, deliveryConfirmedNotice } from '../../blocks/delivery-blocks.ts';
import type { Block } from '../../blocks/kit.ts';
import { quietCall } from '../../flows/notify.ts';
import { ActionId } from '../../ui/ids.ts';
import { action } from '../listener.ts';

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

/**
 * The partner contact's "I have stored the API Key" in the delivery DM. The contact is usually an external Slack
 * Connect user with no role here, so no role guard: the delivery service checks that the clicker is the contact the
 * key was sent to. The message loses its button, and the admin who created the key is told.
 */
export const deliveryStored = action({
  id: ActionId.deliveryStored,
  ids: ({ value }) => ({ deliveryId: value }),
  role: 'anyone',
  answer: 'conversation',
  // Anyone but the contact, or a delivery no longer known, is refused by the service in so many words.
  call: ({ deps, userId, ids }) => deps.delivery.confirmStored(ids.deliveryId, userId),
  async render(turn, { delivery, changed }) {
    const { deps, client, userId: clicker, body } = turn;
    const channel = body.channel?.id ?? delivery.channelId ?? undefined;
    const ts = body.message?.ts ?? delivery.messageTs ?? undefined;
    if (channel !== undefined && ts !== undefined) {
      const blocks = deliveryConfirmedBlocks(
        body.message?.blocks as Block[] | undefined,
        delivery.confirmedAt ?? deps.now(),
      );
      await quietCall(deps, 'marking the delivery message confirmed', { userId: clicker }, () =>
        client.chat.update({ channel, ts, text: `You confirmed you stored API key ${delivery.keyId}.`, blocks }),
      );
    }
    if (!changed) return;
    deps.logger.info(
      { deliveryId: delivery.id, keyId: delivery.keyId, userId: clicker },
      'partner confirmed the delivered key is stored',
    );
    if (SLACK_USER.test(delivery.createdBy)) {
      const key = await deps.services.keys.get(delivery.keyId).catch(() => undefined);
      const notice = deliveryConfirmedNotice(delivery, key);
      await quietCall(deps, 'telling the admin the partner stored the key', { userId: delivery.createdBy }, () =>
        client.chat.postMessage({ channel: delivery.createdBy, ...notice }),
      );
    }
  },
});
