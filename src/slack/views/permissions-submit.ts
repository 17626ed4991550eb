import type { App } from '@slack/bolt';
import type { IssuedKey } from '../../keys/types.ts';
import { isAppError } from '../../shared/errors.ts';
import { escapeMrkdwn } from '../blocks/escape.ts';
import { showOnceView } from '../blocks/key-views.ts';
import { mergePickerState } from '../blocks/permission-picker.ts';
import { announce, heldView } from '../approval-flow.ts';
import type { SlackDeps } from '../deps.ts';
import type { PublishHome } from '../home.ts';
import { CallbackId } from '../ids.ts';
import { CreateMeta, decodeMeta } from '../metadata.ts';
import { selectionOf } from '../picker-views.ts';
import type { StateValues } from '../state.ts';
import { notice, type SubmissionAck, submissionAllowed } from './submission.ts';

/**
 * Save on "Manage Permissions": the key is created with exactly the ticked endpoints (the preset was only the
 * starting point) and its secret is shown once, in the view that replaces this one. It goes nowhere else.
 */
export function registerPermissionsSubmit(app: App, deps: SlackDeps, publishHome: PublishHome): void {
  app.view(CallbackId.permissions, async ({ ack, body, view, client }) => {
    const respond = ack as SubmissionAck;
    if (!(await submissionAllowed(deps, body.user.id, 'admin', respond))) return;
    const catalog = deps.services.catalog;
    let issued: IssuedKey;
    try {
      const meta = decodeMeta(CreateMeta, view.private_metadata);
      const selection = mergePickerState(catalog, selectionOf(deps, meta), meta.p, meta.r, view.state.values as StateValues);
      const input = {
        actor: body.user.id,
        partner: meta.partnerId ?? undefined,
        description: meta.d,
        grants: selection.endpointIds(catalog),
        applyPreset: false,
      };
      if (deps.services.approvals.needsApproval('create')) {
        const request = await deps.services.approvals.requestCreate(input);
        await respond({ response_action: 'update', view: heldView(request) });
        await announce(deps, client, request);
        return;
      }
      issued = await deps.services.keys.create(input);
    } catch (error) {
      if (isAppError(error)) return respond(notice('Key Not Created', `:warning: ${escapeMrkdwn(error.message)}`));
      throw error;
    }
    await respond({ response_action: 'update', view: showOnceView(issued) });
    deps.logger.info({ keyId: issued.key.id, userId: body.user.id, permissions: issued.key.permissions.length }, 'key created from Slack');
    await publishHome(client, body.user.id);
  });

  app.view({ callback_id: CallbackId.showOnce, type: 'view_closed' }, async ({ ack, body, client }) => {
    await ack();
    await publishHome(client, body.user.id);
  });
}
