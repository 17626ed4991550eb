import { escapeMrkdwn } from '../../ui/escape.ts';
import { slackCall } from '../../flows/actor.ts';
import { partnerListView } from '../../flows/partner-list.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/**
 * "Archive partner" in the partner form, after Slack's confirmation: the partner leaves lists and pickers (its keys
 * and their history stay), and the form gives way to the partner list saying so.
 */
export const partnerArchive = action({
  id: ActionId.partnerArchive,
  ids: ({ body, value }) => (body.view === undefined ? stop() : { view: body.view, partnerId: value }),
  role: 'admin',
  call: ({ deps, ids, userId }) => deps.services.partners.setArchived(ids.partnerId, { actor: userId, archived: true }),
  async render(turn, partner) {
    turn.deps.logger.info({ partnerId: partner.id, userId: turn.userId }, 'partner archived from Slack');
    const view = await partnerListView(
      turn.deps,
      `:file_cabinet: Archived *${escapeMrkdwn(partner.name)}*. Its keys keep working until revoked; \`harvest-keys partner unarchive\` restores it.`,
    );
    await slackCall(turn, 'showing the partner list', () =>
      turn.client.views.update({ view_id: turn.ids.view.id, view }),
    );
  },
});
