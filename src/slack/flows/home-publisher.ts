import type { WebClient } from '@slack/web-api';
import { pendingApprovalsHomeBlocks } from '../blocks/approval-blocks.ts';
import { unconfirmedBlocks } from '../blocks/delivery-blocks.ts';
import { HOME_PAGE_SIZE, homeNoAccessView, homeView } from '../blocks/home-view.ts';
import type { HomeView } from '../blocks/kit.ts';
import type { SlackDeps } from '../deps.ts';
import { rolesAllow } from './roles.ts';
import { encodeMeta, type HomeMeta } from './metadata.ts';
import { logSlackFailure } from './notify.ts';
import { approvalsStatus } from './approval-flow.ts';

/**
 * Publishes a person's App Home: the API Credential Management page. The search and page they last used travel in
 * the view's private_metadata; after a change elsewhere the page is republished with them when known.
 */
export function createHomePublisher(deps: SlackDeps) {
  const lastState = new Map<string, HomeMeta>();

  return async function publishHome(client: WebClient, userId: string, state?: HomeMeta): Promise<void> {
    try {
      const wanted = state ?? lastState.get(userId) ?? { q: '', p: 0 };
      let view: HomeView;
      // One role lookup serves the access check, the admin controls and the approver's list.
      const roles = await deps.services.roles.rolesOf(userId);
      if (!rolesAllow(roles, 'viewer')) {
        view = homeNoAccessView(deps.command);
      } else {
        const canManage = rolesAllow(roles, 'admin');
        let page = wanted.p;
        let result = await deps.services.keys.list({
          text: wanted.q,
          limit: HOME_PAGE_SIZE,
          offset: page * HOME_PAGE_SIZE,
        });
        if (result.keys.length === 0 && page > 0 && result.total > 0) {
          page = Math.floor((result.total - 1) / HOME_PAGE_SIZE);
          result = await deps.services.keys.list({
            text: wanted.q,
            limit: HOME_PAGE_SIZE,
            offset: page * HOME_PAGE_SIZE,
          });
        }
        const meta = { q: wanted.q, p: page };
        if (lastState.size > 10_000) lastState.clear();
        lastState.set(userId, meta);
        const approvalBlocks = roles.includes('approver')
          ? pendingApprovalsHomeBlocks(await deps.services.approvals.listPending(), userId)
          : [];
        view = homeView({
          apiType: deps.services.catalog.name,
          keys: result.keys,
          links: await deps.services.keys.links(result.keys),
          total: result.total,
          query: wanted.q,
          page,
          canManage,
          now: deps.now(),
          privateMetadata: encodeMeta(meta),
          approvals: canManage ? await approvalsStatus(deps) : undefined,
        });
        // Admins see delivered keys the partner has not confirmed within DELIVERY_CONFIRM_HOURS.
        const waiting = canManage ? await deps.delivery.unconfirmed() : [];
        const unconfirmed = unconfirmedBlocks(
          waiting,
          deps.services.deliveryConfirmHours,
          await deps.services.keys.getMany(waiting.slice(0, 10).map((d) => d.keyId)),
        );
        // Right under the page's title: what waits for this approver comes before the key list.
        const flags = [...approvalBlocks, ...unconfirmed];
        if (flags.length > 0)
          view = { ...view, blocks: [...view.blocks.slice(0, 2), ...flags, ...view.blocks.slice(2)] };
      }
      await client.views.publish({ user_id: userId, view });
    } catch (error) {
      logSlackFailure(deps, error, 'publishing the App Home', { userId });
    }
  };
}

export type PublishHome = ReturnType<typeof createHomePublisher>;
