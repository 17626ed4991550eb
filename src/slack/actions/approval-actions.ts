import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { isAppError } from '../../shared/errors.ts';
import { denyReasonModal } from '../blocks/approval-blocks.ts';
import { keyResultView, showOnceView } from '../blocks/key-views.ts';
import type { SlackDeps } from '../deps.ts';
import type { PublishHome } from '../home.ts';
import { ActionId } from '../ids.ts';
import { type Actor, slackCall } from '../interaction.ts';
import { renderDecision } from '../approval-outcome.ts';
import { logSlackFailure, tell } from '../notify.ts';
import { errorText } from '../ui/error-text.ts';

const REQUEST_ID = /^apr_[A-Za-z0-9]{12}$/;
const REVEAL_ID = /^rvl_[A-Za-z0-9]{22}$/;

/** Refusals go to the clicker alone: ephemeral in the card's channel, or a DM when there is no channel. */
async function tellClicker(
  deps: SlackDeps,
  client: WebClient,
  userId: string,
  channel: string | undefined,
  text: string,
): Promise<void> {
  try {
    if (channel !== undefined) await client.chat.postEphemeral({ channel, user: userId, text });
    else await tell(deps, client, userId, text);
  } catch (error) {
    logSlackFailure(deps, error, 'telling the clicker', { userId });
  }
}

/** Approve / Deny on approval cards, and the requester's one-time Reveal button. */
export function registerApprovalActions(app: App, deps: SlackDeps, publishHome: PublishHome): void {
  app.action<BlockAction<ButtonAction>>(ActionId.approvalApprove, async ({ ack, body, action, client }) => {
    await ack();
    const requestId = action.value ?? '';
    if (!REQUEST_ID.test(requestId)) return;
    const channel = body.channel?.id;
    try {
      const result = await deps.services.approvals.decide(requestId, { approver: body.user.id, decision: 'approve' });
      deps.logger.info({ requestId, userId: body.user.id, outcome: result.outcome }, 'approve clicked');
      if (result.outcome === 'duplicate')
        return tellClicker(
          deps,
          client,
          body.user.id,
          channel,
          'You already approved this request; each approver counts once.',
        );
      if (result.outcome === 'closed')
        return tellClicker(
          deps,
          client,
          body.user.id,
          channel,
          `This request is already ${result.request.state}; nothing more was done.`,
        );
      await renderDecision(deps, client, result);
      if (result.outcome === 'failed') {
        await tellClicker(
          deps,
          client,
          body.user.id,
          channel,
          `Approved, but running it failed: ${isAppError(result.error) ? errorText(result.error, { command: deps.command }) : 'see the service log'}`,
        );
      }
    } catch (error) {
      if (isAppError(error))
        return tellClicker(deps, client, body.user.id, channel, errorText(error, { command: deps.command }));
      throw error;
    }
  });

  // Deny asks for a reason first, in a modal (trigger ids last 3 s, so it opens before anything else).
  app.action<BlockAction<ButtonAction>>(ActionId.approvalDeny, async ({ ack, body, action, client }) => {
    await ack();
    const requestId = action.value ?? '';
    if (!REQUEST_ID.test(requestId)) return;
    const roles = await deps.services.roles.rolesOf(body.user.id);
    if (!roles.includes('approver')) {
      return tellClicker(
        deps,
        client,
        body.user.id,
        body.channel?.id,
        'Only approvers can decide on requests; nothing was changed.',
      );
    }
    const actor: Actor = { deps, client, userId: body.user.id };
    await slackCall(actor, 'opening the deny dialog', () =>
      client.views.open({ trigger_id: body.trigger_id, view: denyReasonModal(requestId) }),
    );
  });

  app.action<BlockAction<ButtonAction>>(ActionId.revealKey, async ({ ack, body, action, client }) => {
    await ack();
    const revealId = action.value ?? '';
    if (!REVEAL_ID.test(revealId)) return;
    const actor: Actor = { deps, client, userId: body.user.id };
    // Open first (the trigger expires in 3 s), then create the key and show it in the same dialog.
    const opened = await slackCall(actor, 'opening the reveal dialog', () =>
      client.views.open({
        trigger_id: body.trigger_id,
        view: keyResultView('Revealing Key', ':hourglass_flowing_sand: Creating your key…'),
      }),
    );
    const viewId = opened?.view?.id;
    if (viewId === undefined) return;
    try {
      const { issued, request } = await deps.services.approvals.reveal(revealId, body.user.id);
      deps.logger.info({ keyId: issued.key.id, requestId: request.id, userId: body.user.id }, 'approved key revealed');
      await slackCall(actor, 'showing the revealed key', () =>
        client.views.update({
          view_id: viewId,
          view: showOnceView({ key: issued.key, secret: issued.secret, replaced: issued.old }),
        }),
      );
      const channel = body.channel?.id;
      const ts = body.message?.ts;
      if (channel !== undefined && ts !== undefined) {
        await slackCall(actor, 'marking the reveal as used', () =>
          client.chat.update({
            channel,
            ts,
            text: 'This approved key was revealed; it cannot be shown again.',
            blocks: [],
          }),
        );
      }
      await publishHome(client, body.user.id);
    } catch (error) {
      if (!isAppError(error)) throw error;
      await slackCall(actor, 'explaining the reveal refusal', () =>
        client.views.update({
          view_id: viewId,
          view: keyResultView('Cannot Reveal', `:warning: ${errorText(error, { command: deps.command })}`),
        }),
      );
    }
  });
}
