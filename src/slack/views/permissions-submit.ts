import type { App } from '@slack/bolt';
import type { IssuedKey } from '../../keys/types.ts';
import { isAppError } from '../../shared/errors.ts';
import { escapeMrkdwn } from '../blocks/escape.ts';
import { showOnceView } from '../blocks/key-views.ts';
import { mergePickerState } from '../blocks/permission-picker.ts';
import { announce, heldView } from '../approval-flow.ts';
import { deliveryRefusal, handOver } from '../hand-over.ts';
import type { SlackDeps } from '../deps.ts';
import type { PublishHome } from '../home.ts';
import { CallbackId } from '../ids.ts';
import { CreateMeta, decodeMeta } from '../metadata.ts';
import { selectionOf } from '../picker-views.ts';
import type { StateValues } from '../state.ts';
import { notice, type SubmissionAck, submissionAllowed } from './submission.ts';
import { errorText } from '../ui/error-text.ts';

/**
 * Save on "Manage Permissions": the key is created with exactly the ticked endpoints (the preset was only the
 * starting point) and its secret is shown once, in the view that replaces this one, or, when the admin chose the
 * encrypted hand-over, sent to the partner contact and shown to nobody. It goes nowhere else.
 */
export function registerPermissionsSubmit(app: App, deps: SlackDeps, publishHome: PublishHome): void {
  app.view(CallbackId.permissions, async ({ ack, body, view, client }) => {
    const respond = ack as SubmissionAck;
    if (!(await submissionAllowed(deps, body.user.id, 'admin', respond))) return;
    const catalog = deps.services.catalog;
    let issued: IssuedKey;
    let contact: string | undefined;
    try {
      const meta = decodeMeta(CreateMeta, view.private_metadata);
      const selection = mergePickerState(
        catalog,
        selectionOf(deps, meta),
        meta.p,
        meta.r,
        view.state.values as StateValues,
      );
      const input = {
        actor: body.user.id,
        partner: meta.partnerId ?? undefined,
        description: meta.d,
        grants: selection.endpointIds(catalog),
        applyPreset: false,
      };
      contact = meta.dl ?? undefined;
      if (contact !== undefined) {
        // Checked before the key exists: a key that could not be sent would only be made to be revoked.
        const refusal = await deliveryRefusal(deps, meta.partnerId, contact);
        if (refusal !== undefined) return respond(notice('Key Not Created', `:warning: ${escapeMrkdwn(refusal)}`));
      }
      if (deps.services.approvals.needsApproval('create')) {
        const request = await deps.services.approvals.requestCreate({
          ...input,
          ...(contact === undefined ? {} : { delivery: { contactSlackUserId: contact } }),
        });
        await respond({ response_action: 'update', view: heldView(request) });
        await announce(deps, client, request);
        return;
      }
      issued = await deps.services.keys.create(input);
    } catch (error) {
      if (isAppError(error))
        return respond(notice('Key Not Created', `:warning: ${errorText(error, { command: deps.command })}`));
      throw error;
    }
    deps.logger.info(
      {
        keyId: issued.key.id,
        userId: body.user.id,
        permissions: issued.key.permissions.length,
        delivery: contact !== undefined,
      },
      'key created from Slack',
    );
    if (contact !== undefined) {
      await handOver({ deps, client, userId: body.user.id, respond, viewId: view.id, issued, contact });
    } else {
      await respond({ response_action: 'update', view: showOnceView(issued) });
    }
    await publishHome(client, body.user.id);
  });

  app.view({ callback_id: CallbackId.showOnce, type: 'view_closed' }, async ({ ack, body, client }) => {
    await ack();
    await publishHome(client, body.user.id);
  });
}
