import type { WebClient } from '@slack/web-api';
import { HOME_PER_KIND, needsAttentionBlocks } from '../blocks/attention-blocks.ts';
import type { Block } from '../blocks/kit.ts';
import {
  HOME_PAGE_SIZE,
  type HomeFilters,
  homeApprovalBlocks,
  homeNoAccessView,
  homeView,
  waitingFor,
} from '../blocks/home-view.ts';
import type { HomeView } from '../blocks/kit.ts';
import type { SlackDeps } from '../deps.ts';
import { refusal, rolesAllow } from './roles.ts';
import { decodeMeta, encodeMeta, HomeMeta } from './metadata.ts';
import { logSlackFailure } from './notify.ts';
import { approvalsStatus } from './approval-flow.ts';

/** A Home with no search, no filter, first page: what opening the Home tab shows. */
export const FRESH_HOME: HomeMeta = { q: '', p: 0 };

/** What a Home showed when it was clicked (its private_metadata); a Home from before filters existed starts fresh. */
export function homeStateOf(view: { private_metadata?: string } | undefined): HomeMeta {
  try {
    return decodeMeta(HomeMeta, view?.private_metadata);
  } catch {
    return FRESH_HOME;
  }
}

/** What the Home's "Expiring" filter looks ahead. */
const EXPIRING_WINDOW_MS = 7 * 86_400_000;

/** The key service's filter for the Home's search and filters. */
function keyFilter(state: HomeMeta, now: Date) {
  const flags = state.fl ?? [];
  return {
    text: state.q,
    state: state.s,
    partnerId: state.pa,
    legacy: flags.includes('legacy') ? true : undefined,
    unused: flags.includes('unused') ? true : undefined,
    // "Expiring": a replaced key's scheduled stop, or an expiry within the next 7 days.
    stopping: flags.includes('expiring') ? true : undefined,
    expiringWithinMs: flags.includes('expiring') ? EXPIRING_WINDOW_MS : undefined,
    now,
  };
}

/**
 * Admins' "Needs attention": keys unused for UNUSED_KEY_DAYS or never used, and deliveries nobody confirmed within
 * DELIVERY_CONFIRM_HOURS. A failing read leaves the section out rather than the whole Home.
 */
async function needsAttention(deps: SlackDeps): Promise<Block[]> {
  const { attention, deliveryConfirmHours } = deps.services;
  try {
    return needsAttentionBlocks(await attention.needsAttention(HOME_PER_KIND), {
      unusedKeyDays: attention.policy.unusedKeyDays,
      confirmHours: deliveryConfirmHours,
    });
  } catch (error) {
    deps.logger.warn({ err: error }, 'needs-attention list unavailable; the App Home is shown without it');
    return [];
  }
}

/**
 * Publishes a person's App Home: the API Credential Management page. The search, filters and page they last used
 * travel in the view's private_metadata; after a change elsewhere the page is republished with them when known.
 * Opening the Home tab starts fresh (`FRESH_HOME`): a search does not stick.
 */
export function createHomePublisher(deps: SlackDeps) {
  const lastState = new Map<string, HomeMeta>();

  return async function publishHome(client: WebClient, userId: string, state?: HomeMeta): Promise<void> {
    try {
      const wanted = state ?? lastState.get(userId) ?? FRESH_HOME;
      let view: HomeView;
      // One role lookup serves the access check, the admin controls and the approver's list.
      const roles = await deps.services.roles.rolesOf(userId);
      if (!rolesAllow(roles, 'viewer')) {
        view = homeNoAccessView(await refusal(deps, 'viewer'));
      } else {
        const canManage = rolesAllow(roles, 'admin');
        const isApprover = rolesAllow(roles, 'approver');
        const now = deps.now();
        const filter = keyFilter(wanted, now);
        let page = wanted.p;
        let result = await deps.services.keys.list({ ...filter, limit: HOME_PAGE_SIZE, offset: page * HOME_PAGE_SIZE });
        if (result.keys.length === 0 && page > 0 && result.total > 0) {
          page = Math.floor((result.total - 1) / HOME_PAGE_SIZE);
          result = await deps.services.keys.list({ ...filter, limit: HOME_PAGE_SIZE, offset: page * HOME_PAGE_SIZE });
        }
        const meta: HomeMeta = { ...wanted, p: page };
        if (lastState.size > 10_000) lastState.clear();
        lastState.set(userId, meta);
        const pending = isApprover ? await deps.services.approvals.listPending() : [];
        const attention = canManage ? await needsAttention(deps) : [];
        const filters: HomeFilters = { q: wanted.q, s: wanted.s, pa: wanted.pa, fl: wanted.fl };
        view = homeView({
          apiType: deps.services.catalog.name,
          keys: result.keys,
          links: await deps.services.keys.links(result.keys),
          total: result.total,
          filters,
          partners: (await deps.services.partners.list()).map((p) => ({ id: p.id, name: p.name })),
          page,
          canManage,
          isApprover,
          // Right under the buttons: what waits for this approver, then what needs an admin's attention.
          flags: [...homeApprovalBlocks(pending, userId), ...attention],
          waiting: waitingFor(pending, userId).length,
          now,
          revision: Date.now().toString(36),
          privateMetadata: encodeMeta(meta),
          approvals: canManage ? await approvalsStatus(deps) : undefined,
        });
      }
      await client.views.publish({ user_id: userId, view });
    } catch (error) {
      logSlackFailure(deps, error, 'publishing the App Home', { userId });
    }
  };
}

export type PublishHome = ReturnType<typeof createHomePublisher>;
