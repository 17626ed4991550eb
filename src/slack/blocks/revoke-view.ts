import { isInUse, type KeyUsage } from '../../keys/key-usage.ts';
import type { ApiKey } from '../../keys/types.ts';
import { lastUsedText } from '../ui/format.ts';
import { ActionId, BlockId, CallbackId } from '../ui/ids.ts';
import { keyFacts, keyTitle } from './key-facts.ts';
import { actions, button, context, type ModalView, modal, option, plain, section } from './kit.ts';

export const REVOKE_REASONS = [
  { value: 'lost', text: 'Lost or possibly leaked' },
  { value: 'unused', text: 'No longer needed' },
  { value: 'partner', text: 'Partner relationship ended' },
  { value: 'other', text: 'Other' },
] as const;

export function revokeView(key: ApiKey, usage: KeyUsage, now: Date): ModalView {
  return modal({
    callbackId: CallbackId.revoke,
    title: 'Revoke API Key',
    close: 'Cancel',
    privateMetadata: JSON.stringify({ k: key.id }),
    blocks: [
      section(
        `:warning: Revoke ${keyTitle(key)}? Revoking immediately removes access to the key’s endpoints for every user and integration.`,
      ),
      keyFacts(key, usage),
      context(
        isInUse(usage, now)
          ? `:warning: *This key is in use* (last used ${lastUsedText(usage.lastUsedAt)}). Double-check it is not in active use.`
          : 'Double-check the key you are revoking to make sure it is not in active use.',
      ),
      actions(
        [
          {
            type: 'static_select',
            action_id: ActionId.revokeReason,
            placeholder: plain('Reason (optional)'),
            options: REVOKE_REASONS.map((r) => option(r.text, r.value)),
          },
          button('Revoke key', ActionId.revokeConfirm, key.id, { style: 'danger' }),
        ],
        BlockId.revokeReason,
      ),
    ],
  });
}
