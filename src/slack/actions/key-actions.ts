import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { code, escapeMrkdwn } from '../blocks/escape.ts';
import { keyResultView, REVOKE_REASONS, storedView } from '../blocks/key-views.ts';
import { announce, heldView } from '../approval-flow.ts';
import type { SlackDeps } from '../deps.ts';
import type { PublishHome } from '../home.ts';
import { ActionId, BlockId, KEY_ID } from '../ids.ts';
import { type Actor, guarded, say, slackCall } from '../interaction.ts';
import { readSelected, type StateValues } from '../state.ts';
import { isAppError } from '../../shared/errors.ts';
import { errorText } from '../ui/error-text.ts';

/** Buttons inside key dialogs: "I have stored the API Key", and the revoke / re-enable confirmations. */
export function registerKeyActions(app: App, deps: SlackDeps, publishHome: PublishHome): void {
  // Replaces the show-once view, so the secret is gone from the person's screen for good.
  app.action<BlockAction<ButtonAction>>(ActionId.keyStored, async ({ ack, body, action, client }) => {
    await ack();
    const view = body.view;
    const keyId = action.value ?? '';
    if (view === undefined || !KEY_ID.test(keyId)) return;
    const actor: Actor = { deps, client, userId: body.user.id };
    // The button's value is client-supplied: without a role anyone could have any key's description drawn for them.
    if (!(await guarded(actor, 'viewer'))) return;
    const key = await deps.services.keys.get(keyId).catch((error: unknown) => {
      if (isAppError(error)) return undefined;
      throw error;
    });
    if (key === undefined) return;
    await slackCall(actor, 'closing the show-once view', () =>
      client.views.update({ view_id: view.id, view: storedView(key) }),
    );
    await publishHome(client, body.user.id);
  });

  // Picking a reason needs no answer (it is read from the view state on confirm), but every action must be acked.
  app.action(ActionId.revokeReason, async ({ ack }) => ack());

  app.action<BlockAction<ButtonAction>>(ActionId.revokeConfirm, async ({ ack, body, action, client }) => {
    await ack();
    const view = body.view;
    const keyId = action.value ?? '';
    if (view === undefined || !KEY_ID.test(keyId)) return;
    const actor: Actor = { deps, client, userId: body.user.id };
    if (!(await guarded(actor, 'admin'))) return;
    const reasonValue = readSelected(
      view.state?.values as StateValues | undefined,
      BlockId.revokeReason,
      ActionId.revokeReason,
    );
    const reason = REVOKE_REASONS.find((r) => r.value === reasonValue)?.text;
    try {
      const { key, changed } = await deps.services.keys.revoke(keyId, { actor: body.user.id, reason });
      deps.logger.info({ keyId, userId: body.user.id, changed }, 'key revoked from Slack');
      const text = changed
        ? `:red_circle: Revoked *${escapeMrkdwn(key.description)}* (${code(key.id)}). It stopped working right away.`
        : `${code(key.id)} was already revoked; nothing changed.`;
      await slackCall(actor, 'showing the revoke result', () =>
        client.views.update({ view_id: view.id, view: keyResultView('Key Revoked', text) }),
      );
      await say(actor, text);
      await publishHome(client, body.user.id);
    } catch (error) {
      if (isAppError(error)) return say(actor, errorText(error, { command: deps.command }));
      throw error;
    }
  });

  app.action<BlockAction<ButtonAction>>(ActionId.enableConfirm, async ({ ack, body, action, client }) => {
    await ack();
    const view = body.view;
    const keyId = action.value ?? '';
    if (view === undefined || !KEY_ID.test(keyId)) return;
    const actor: Actor = { deps, client, userId: body.user.id };
    if (!(await guarded(actor, 'admin'))) return;
    try {
      if (deps.services.approvals.needsApproval('reenable')) {
        const request = await deps.services.approvals.requestEnable(keyId, body.user.id);
        await slackCall(actor, 'showing that re-enable waits for approval', () =>
          client.views.update({ view_id: view.id, view: heldView(request) }),
        );
        await announce(deps, client, request);
        return;
      }
      const { key, changed } = await deps.services.keys.enable(keyId, { actor: body.user.id });
      deps.logger.info({ keyId, userId: body.user.id, changed }, 'key re-enabled from Slack');
      const text = changed
        ? `:large_green_circle: Re-enabled *${escapeMrkdwn(key.description)}* (${code(key.id)}). It works again right away.`
        : `${code(key.id)} was already active; nothing changed.`;
      await slackCall(actor, 'showing the re-enable result', () =>
        client.views.update({ view_id: view.id, view: keyResultView('Key Re-enabled', text) }),
      );
      await say(actor, text);
      await publishHome(client, body.user.id);
    } catch (error) {
      if (isAppError(error)) return say(actor, errorText(error, { command: deps.command }));
      throw error;
    }
  });
}
