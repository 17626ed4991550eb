import type { KeyUsage } from '../../keys/key-usage.ts';
import { type KeyState, keyState } from '../../keys/key-state.ts';
import type { ApiKey } from '../../keys/types.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { actorRef, plural, slackDate, unknownState } from '../ui/format.ts';
import { ActionId, BlockId, CallbackId } from '../ui/ids.ts';
import { revokedAsLost } from '../../keys/revoke-reason.ts';
import type { LifetimePolicy } from '../../keys/expiry.ts';
import { type Hold, holdBlocks, submitLabel } from './approval-notice.ts';
import { enableExpiryBlocks } from './expiry-blocks.ts';
import { keyFacts, keyTitle } from './key-facts.ts';
import { actions, type Block, button, context, type ModalView, modal, plain, section } from './kit.ts';

/** Whether re-enabling also cancels a revocation scheduled by a replace (still running, or just ended). */
function cancelsSchedule(state: KeyState): boolean {
  switch (state.kind) {
    case 'active':
      return false;
    case 'stopping':
      return true;
    case 'revoked':
      return state.graceEnded;
    case 'expired':
      return false;
    default:
      return unknownState(state);
  }
}

export const LOST_ACK_TEXT = 'I know this key was reported lost or leaked';

/** A key revoked as lost or leaked: the reason, up front, and a tick the admin must set before Re-enable works. */
function lostBlocks(key: ApiKey, ackMissing: boolean): Block[] {
  return [
    section(
      `:rotating_light: *This key was revoked as lost or leaked* (“${escapeMrkdwn(key.revokeReason ?? '')}”). Whoever found it can call the API again once it is re-enabled. Replacing it gives the integration a new key instead.`,
    ),
    actions(
      [
        {
          type: 'checkboxes',
          action_id: ActionId.reenableAck,
          options: [{ text: plain(LOST_ACK_TEXT), value: 'yes' }],
        },
      ],
      BlockId.reenableAck,
    ),
    ...(ackMissing ? [context(':warning: Tick “I know this key was reported lost or leaked” first.')] : []),
  ];
}

export function enableView(
  key: ApiKey,
  usage: KeyUsage,
  now: Date,
  options: {
    hold?: Hold;
    ackMissing?: boolean;
    /** The key policy's lifetimes: draws the Expires select (expiry-blocks.ts). */
    lifetime?: LifetimePolicy;
    /** The chosen lifetime is no longer allowed: said under the select. */
    expiryRefused?: boolean;
  } = {},
): ModalView {
  const lost = revokedAsLost(key.revokeReason);
  return modal({
    callbackId: CallbackId.enable,
    title: 'Re-enable API Key',
    close: 'Cancel',
    privateMetadata: JSON.stringify({ k: key.id }),
    blocks: [
      section(
        `Re-enable ${keyTitle(key)}? It works again right away with its ${plural(key.permissions.length, 'permission')}${
          cancelsSchedule(keyState(key, now)) ? ', and its scheduled revocation is cancelled' : ''
        }.`,
      ),
      keyFacts(key, usage),
      ...(key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()
        ? [
            context(
              options.lifetime === undefined
                ? `Expired ${slackDate(key.expiresAt)}: re-enabling gives it a new expiry (the maximum lifetime when one is set, otherwise none).`
                : `Expired ${slackDate(key.expiresAt)}: re-enabling gives it a new expiry, chosen below.`,
            ),
          ]
        : []),
      ...(key.revokedAt === null
        ? []
        : [
            context(
              `Revoked ${slackDate(key.revokedAt)} by ${actorRef(key.revokedBy ?? 'unknown')}${key.revokeReason === null ? '' : `: ${escapeMrkdwn(key.revokeReason)}`}`,
            ),
          ]),
      ...(options.lifetime === undefined
        ? []
        : enableExpiryBlocks(options.lifetime, key.expiresAt, now, { refused: options.expiryRefused === true })),
      ...(lost ? lostBlocks(key, options.ackMissing === true) : []),
      ...holdBlocks(options.hold, 'reenable'),
      actions([
        button(submitLabel(options.hold, 'Re-enable key'), ActionId.enableConfirm, key.id, {
          style: lost ? 'danger' : 'primary',
        }),
      ]),
    ],
  });
}
