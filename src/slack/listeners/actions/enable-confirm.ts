import { revokedAsLost } from '../../../keys/revoke-reason.ts';
import { enableView } from '../../blocks/enable-view.ts';
import { expiryFromChoice } from '../../blocks/expiry-blocks.ts';
import { keyResultView } from '../../blocks/notice-views.ts';
import { slackCall } from '../../flows/actor.ts';
import { announce, heldView, holdFor } from '../../flows/approval-flow.ts';
import { usageOf } from '../../flows/usage-of.ts';
import { keyName } from '../../ui/format.ts';
import { ActionId, BlockId, KEY_ID } from '../../ui/ids.ts';
import type { StateValues } from '../../ui/view-state.ts';
import { action, stop } from '../listener.ts';

/**
 * "Re-enable key" in the re-enable dialog: held for approval when policy says so, else the key works again at once.
 * A key revoked as lost or leaked is re-enabled only with "I know this key was reported lost or leaked" ticked.
 */
export const enableConfirm = action({
  id: ActionId.enableConfirm,
  ids: ({ body, value }) =>
    body.view !== undefined && KEY_ID.test(value) ? { view: body.view, keyId: value } : stop(),
  role: 'admin',
  parse: ({ deps, ids }) => {
    const values = ids.view.state?.values as StateValues | undefined;
    const ticked = values?.[BlockId.reenableAck]?.[ActionId.reenableAck]?.selected_options ?? [];
    // The Expires select: Keep or no choice leaves it to the service (the key's own expiry while valid, else the
    // maximum); a lifetime the policy no longer offers is refused under the select.
    const choice = values?.[BlockId.expires]?.[ActionId.reenableExpires]?.selected_option?.value;
    const expiresAt = expiryFromChoice(choice, deps.services.keys.lifetime(), deps.now());
    return { acknowledged: ticked.some((o) => o.value === 'yes'), expiresAt };
  },
  async call({ deps, userId, ids }, { acknowledged, expiresAt }) {
    const key = await deps.services.keys.get(ids.keyId);
    if (expiresAt === 'invalid') return { kind: 'refused', key, usage: await usageOf(deps, key) } as const;
    if (!acknowledged && revokedAsLost(key.revokeReason)) {
      return { kind: 'unacknowledged', key, usage: await usageOf(deps, key) } as const;
    }
    if (deps.services.approvals.needsApproval('reenable')) {
      return {
        kind: 'held',
        request: await deps.services.approvals.requestEnable(ids.keyId, userId, expiresAt),
      } as const;
    }
    return { kind: 'enabled', ...(await deps.services.keys.enable(ids.keyId, { actor: userId, expiresAt })) } as const;
  },
  async render(turn, result) {
    const viewId = turn.ids.view.id;
    if (result.kind === 'unacknowledged' || result.kind === 'refused') {
      const view = enableView(result.key, result.usage, turn.deps.now(), {
        hold: holdFor(turn.deps, 'reenable'),
        lifetime: turn.deps.services.keys.lifetime(),
        ackMissing: result.kind === 'unacknowledged',
        expiryRefused: result.kind === 'refused',
      });
      return slackCall(turn, 'asking to acknowledge a lost key or pick a lifetime again', () =>
        turn.client.views.update({ view_id: viewId, view }),
      );
    }
    if (result.kind === 'held') {
      await slackCall(turn, 'showing that re-enable waits for approval', () =>
        turn.client.views.update({ view_id: viewId, view: heldView(result.request) }),
      );
      return announce(turn.deps, turn.client, result.request);
    }
    const { key, changed } = result;
    turn.deps.logger.info({ keyId: turn.ids.keyId, userId: turn.userId, changed }, 'key re-enabled from Slack');
    const text = changed
      ? `:large_green_circle: Re-enabled ${keyName(key)}. It works again right away.`
      : `${keyName(key)} was already active; nothing changed.`;
    await slackCall(turn, 'showing the re-enable result', () =>
      turn.client.views.update({ view_id: viewId, view: keyResultView('Key Re-enabled', text) }),
    );
    await turn.say(text);
    await turn.home();
  },
});
