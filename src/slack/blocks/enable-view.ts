import type { KeyUsage } from '../../keys/key-usage.ts';
import { type KeyState, keyState } from '../../keys/key-state.ts';
import type { ApiKey } from '../../keys/types.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { actorRef, plural, slackDate, unknownState } from '../ui/format.ts';
import { ActionId, CallbackId } from '../ui/ids.ts';
import { keyFacts, keyTitle } from './key-facts.ts';
import { actions, button, context, type ModalView, modal, section } from './kit.ts';

/** Whether re-enabling also cancels a revocation scheduled by a replace (still running, or just ended). */
function cancelsSchedule(state: KeyState): boolean {
  switch (state.kind) {
    case 'active':
      return false;
    case 'stopping':
      return true;
    case 'revoked':
      return state.graceEnded;
    default:
      return unknownState(state);
  }
}

export function enableView(key: ApiKey, usage: KeyUsage, now: Date): ModalView {
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
      ...(key.revokedAt === null
        ? []
        : [
            context(
              `Revoked ${slackDate(key.revokedAt)} by ${actorRef(key.revokedBy ?? 'unknown')}${key.revokeReason === null ? '' : `: ${escapeMrkdwn(key.revokeReason)}`}`,
            ),
          ]),
      actions([button('Re-enable key', ActionId.enableConfirm, key.id, { style: 'primary' })]),
    ],
  });
}
