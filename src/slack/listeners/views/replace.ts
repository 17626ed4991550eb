import { expiryFromChoice } from '../../blocks/expiry-blocks.ts';
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
 * The seed's lost-key path: a new key with the same permissions, shown once or sent encrypted to the partner
 * contact; the old one revoked now or later.
 */
export const replaceSubmit = view({
  callbackId: CallbackId.replace,
  role: 'admin',
  failure: 'Key Not Replaced',
  parse: ({ deps, view: dialog, values }) => {
    // No grace input at all: the key is revoked already (the dialog left the choice out), so nothing is scheduled.
    const chosen = values[BlockId.grace] === undefined ? '0' : readSelected(values, BlockId.grace);
    const grace = GRACE_CHOICES.find((c) => c.value === chosen);
    if (grace === undefined) refuseField(BlockId.grace, 'Choose when the old key stops working.');
    // The new key's lifetime, counted from now; no field (an older dialog): the default (the maximum, or never).
    const expiresAt = expiryFromChoice(
      readSelected(values, BlockId.expires),
      deps.services.keys.lifetime(),
      deps.now(),
    );
    if (expiresAt === 'invalid') refuseField(BlockId.expires, 'That lifetime is no longer allowed here: pick again.');
    return {
      graceSeconds: Number(grace.value),
      expiresAt: expiresAt as Date | null | undefined,
      contact: parseDeliveryChoice(readSelected(values, DELIVERY_BLOCK)),
      keyId: decodeMeta(KeyMeta, dialog.private_metadata).k,
    };
  },
  async call({ deps, userId }, { graceSeconds, expiresAt, contact, keyId }) {
    const { keys, approvals } = deps.services;
    if (contact !== undefined) {
      // Checked before anything changes: a failed hand-over revokes the new key, and the old one may go with it.
      const refusal = await deliveryRefusal(deps, (await keys.get(keyId)).partnerId, contact);
      if (refusal !== undefined) refuseField(DELIVERY_BLOCK, refusal);
    }
    if (approvals.needsApproval('replace')) {
      const delivery = contact === undefined ? {} : { delivery: { contactSlackUserId: contact } };
      return {
        kind: 'held',
        request: await approvals.requestReplace(keyId, { actor: userId, graceSeconds, expiresAt, ...delivery }),
      } as const;
    }
    return { kind: 'issued', issued: await keys.replace(keyId, { actor: userId, graceSeconds, expiresAt }) } as const;
  },
  async render(turn, result, { graceSeconds, contact }) {
    const { deps, client, userId, answer } = turn;
    if (result.kind === 'held') {
      return answerHeld(deps, client, answer, result.request);
    }
    const { issued } = result;
    deps.logger.info(
      { keyId: issued.key.id, replaces: issued.old.id, graceSeconds, userId, delivery: contact !== undefined },
      'key replaced from Slack',
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
