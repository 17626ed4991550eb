import type { KeyUsage } from '../../keys/key-usage.ts';
import type { ApiKey } from '../../keys/types.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { actorRef, plural, slackDate } from '../ui/format.ts';
import { ActionId, CallbackId } from '../ui/ids.ts';
import { keyFacts, keyTitle } from './key-facts.ts';
import { actions, button, context, type ModalView, modal, section } from './kit.ts';

export function enableView(key: ApiKey, usage: KeyUsage): ModalView {
  return modal({
    callbackId: CallbackId.enable,
    title: 'Re-enable API Key',
    close: 'Cancel',
    privateMetadata: JSON.stringify({ k: key.id }),
    blocks: [
      section(
        `Re-enable ${keyTitle(key)}? It works again right away with its ${plural(key.permissions.length, 'permission')}${
          key.revokeAt !== null && key.status === 'active' ? ', and its scheduled revocation is cancelled' : ''
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
