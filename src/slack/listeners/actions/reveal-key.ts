import { keyResultView } from '../../blocks/notice-views.ts';
import { showOnceView } from '../../blocks/show-once-views.ts';
import { slackCall } from '../../flows/actor.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

const REVEAL_ID = /^rvl_[A-Za-z0-9]{22}$/;

/** The requester's one-time "Reveal key" after an approval: the key is created now and shown once, in a dialog. */
export const revealKey = action({
  id: ActionId.revealKey,
  ids: ({ value }) => (REVEAL_ID.test(value) ? { revealId: value } : stop()),
  role: 'anyone',
  // The dialog opens first (the trigger expires in 3 s); the key is then created and shown in it.
  async parse(turn) {
    const opened = await slackCall(turn, 'opening the reveal dialog', () =>
      turn.client.views.open({
        trigger_id: turn.body.trigger_id,
        view: keyResultView('Revealing Key', ':hourglass_flowing_sand: Creating your key…'),
      }),
    );
    return opened?.view?.id === undefined ? stop() : { viewId: opened.view.id };
  },
  call: ({ deps, userId, ids }) => deps.services.approvals.reveal(ids.revealId, userId),
  async render(turn, { issued, request }, { viewId }) {
    turn.deps.logger.info(
      { keyId: issued.key.id, requestId: request.id, userId: turn.userId },
      'approved key revealed',
    );
    await slackCall(turn, 'showing the revealed key', () =>
      turn.client.views.update({
        view_id: viewId,
        view: showOnceView({
          key: issued.key,
          secret: issued.secret,
          replaced: issued.old,
          now: turn.deps.now(),
          issuer: turn.deps.services.oauthIssuer,
        }),
      }),
    );
    const channel = turn.body.channel?.id;
    const ts = turn.body.message?.ts;
    if (channel !== undefined && ts !== undefined) {
      await slackCall(turn, 'marking the reveal as used', () =>
        turn.client.chat.update({
          channel,
          ts,
          text: 'This approved key was revealed; it cannot be shown again.',
          blocks: [],
        }),
      );
    }
    await turn.home();
  },
  failed: (turn, text, opened) =>
    opened === undefined
      ? turn.say(text)
      : slackCall(turn, 'explaining the reveal refusal', () =>
          turn.client.views.update({
            view_id: opened.viewId,
            view: keyResultView('Cannot Reveal', `:warning: ${text}`),
          }),
        ),
});
