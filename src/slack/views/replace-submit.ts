import type { App } from '@slack/bolt';
import type { ApiKey, IssuedKey } from '../../keys/types.ts';
import { isAppError } from '../../shared/errors.ts';
import { GRACE_CHOICES, showOnceView } from '../blocks/key-views.ts';
import { announce, heldView } from '../approval-flow.ts';
import { parseDeliveryChoice } from '../blocks/delivery-blocks.ts';
import { deliveryRefusal, handOver } from '../hand-over.ts';
import type { SlackDeps } from '../deps.ts';
import type { PublishHome } from '../home.ts';
import { BlockId, CallbackId } from '../ids.ts';
import { decodeMeta, KeyMeta } from '../metadata.ts';
import { readSelected, type StateValues } from '../state.ts';
import { notice, type SubmissionAck, submissionAllowed } from './submission.ts';
import { errorText } from '../ui/error-text.ts';

/**
 * The seed's lost-key path: a new key with the same permissions, shown once or sent encrypted to the partner
 * contact; the old one revoked now or later.
 */
export function registerReplaceSubmit(app: App, deps: SlackDeps, publishHome: PublishHome): void {
  app.view(CallbackId.replace, async ({ ack, body, view, client }) => {
    const respond = ack as SubmissionAck;
    if (!(await submissionAllowed(deps, body.user.id, 'admin', respond))) return;
    const chosen = readSelected(view.state.values as StateValues, BlockId.grace);
    const grace = GRACE_CHOICES.find((c) => c.value === chosen);
    if (grace === undefined)
      return respond({
        response_action: 'errors',
        errors: { [BlockId.grace]: 'Choose when the old key stops working.' },
      });
    const deliveryBlock = `${BlockId.delivery}.0`;
    const contact = parseDeliveryChoice(readSelected(view.state.values as StateValues, deliveryBlock));
    let issued: IssuedKey & { old: ApiKey };
    try {
      const { k } = decodeMeta(KeyMeta, view.private_metadata);
      if (contact !== undefined) {
        // Checked before anything changes: a failed hand-over revokes the new key, and the old one may go with it.
        const refusal = await deliveryRefusal(deps, (await deps.services.keys.get(k)).partnerId, contact);
        if (refusal !== undefined) return respond({ response_action: 'errors', errors: { [deliveryBlock]: refusal } });
      }
      if (deps.services.approvals.needsApproval('replace')) {
        const request = await deps.services.approvals.requestReplace(k, {
          actor: body.user.id,
          graceSeconds: Number(grace.value),
          ...(contact === undefined ? {} : { delivery: { contactSlackUserId: contact } }),
        });
        await respond({ response_action: 'update', view: heldView(request) });
        await announce(deps, client, request);
        return;
      }
      issued = await deps.services.keys.replace(k, { actor: body.user.id, graceSeconds: Number(grace.value) });
    } catch (error) {
      if (isAppError(error))
        return respond(notice('Key Not Replaced', `:warning: ${errorText(error, { command: deps.command })}`));
      throw error;
    }
    deps.logger.info(
      {
        keyId: issued.key.id,
        replaces: issued.old.id,
        graceSeconds: Number(grace.value),
        userId: body.user.id,
        delivery: contact !== undefined,
      },
      'key replaced from Slack',
    );
    if (contact !== undefined) {
      await handOver({
        deps,
        client,
        userId: body.user.id,
        respond,
        viewId: view.id,
        issued,
        contact,
        replaced: issued.old,
      });
    } else {
      await respond({
        response_action: 'update',
        view: showOnceView({ key: issued.key, secret: issued.secret, replaced: issued.old }),
      });
    }
    await publishHome(client, body.user.id);
  });
}
