import { parseDeliveryChoice } from '../../blocks/delivery-blocks.ts';
import { GRACE_CHOICES } from '../../blocks/replace-view.ts';
import { answerHeld } from '../../flows/approval-flow.ts';
import { deliveryRefusal, handOverOrShowOnce } from '../../flows/hand-over.ts';
import { decodeMeta, KeyMeta } from '../../flows/metadata.ts';
import { BlockId, CallbackId } from '../../ui/ids.ts';
import { readSelected } from '../../ui/view-state.ts';
import { refuseField, view } from '../listener.ts';

const DELIVERY_BLOCK = `${BlockId.delivery}.0`;

/**
 * "Upgrade to v3": a Harvest v3 client made from the key (held for approval where creates are), handed to the
 * partner encrypted or shown once; the key stops when the chosen grace ends.
 */
export const upgradeSubmit = view({
  callbackId: CallbackId.upgrade,
  role: 'admin',
  failure: 'Key Not Upgraded',
  parse: ({ view: dialog, values }) => {
    const grace = GRACE_CHOICES.find((c) => c.value === readSelected(values, BlockId.grace));
    if (grace === undefined) refuseField(BlockId.grace, 'Choose when the key stops working.');
    return {
      graceSeconds: Number(grace.value),
      contact: parseDeliveryChoice(readSelected(values, DELIVERY_BLOCK)),
      keyId: decodeMeta(KeyMeta, dialog.private_metadata).k,
    };
  },
  async call({ deps, userId }, { graceSeconds, contact, keyId }) {
    const { keys, approvals } = deps.services;
    if (contact !== undefined) {
      // Checked before anything is made: a client that could not be sent would only be made to be revoked.
      const refusal = await deliveryRefusal(deps, (await keys.get(keyId)).partnerId, contact);
      if (refusal !== undefined) refuseField(DELIVERY_BLOCK, refusal);
    }
    if (approvals.needsApproval('create')) {
      const delivery = contact === undefined ? {} : { delivery: { contactSlackUserId: contact } };
      return {
        kind: 'held',
        request: await approvals.requestUpgrade(keyId, { actor: userId, graceSeconds, ...delivery }),
      } as const;
    }
    return { kind: 'issued', issued: await keys.upgrade(keyId, { actor: userId, graceSeconds }) } as const;
  },
  async render(turn, result, { graceSeconds, contact }) {
    const { deps, client, userId, answer } = turn;
    if (result.kind === 'held') {
      return answerHeld(deps, client, answer, result.request);
    }
    const { issued } = result;
    deps.logger.info(
      {
        keyId: issued.key.id,
        clientId: issued.key.clientId,
        upgrades: issued.old.id,
        graceSeconds,
        userId,
        delivery: contact !== undefined,
      },
      'key upgraded to a Harvest v3 client from Slack',
    );
    await handOverOrShowOnce({
      deps,
      client,
      userId,
      respond: answer,
      viewId: turn.view.id,
      issued,
      contact,
      replaced: issued.old,
    });
    await turn.home();
  },
});
