import type { KeyUsage } from '../../keys/key-usage.ts';
import { type LegacyRule, replacementGrants } from '../../keys/legacy-rule.ts';
import type { ApiKey } from '../../keys/types.ts';
import { ActionId, BlockId, CallbackId } from '../ui/ids.ts';
import { type DeliveryOffer, deliveryChoiceBlocks } from './delivery-blocks.ts';
import { keyFacts, keyTitle } from './key-facts.ts';
import { legacyRuleSection, replacementGrantsText } from './legacy-blocks.ts';
import { type ModalView, modal, option, plain, section } from './kit.ts';

export const GRACE_CHOICES = [
  { value: '0', text: 'Now: the old key stops working immediately' },
  { value: '3600', text: 'In 1 hour' },
  { value: '86400', text: 'In 24 hours' },
  { value: '604800', text: 'In 7 days' },
] as const;

export function replaceView(
  key: ApiKey,
  usage: KeyUsage,
  legacyRule: LegacyRule,
  delivery?: DeliveryOffer | undefined,
): ModalView {
  const choices = GRACE_CHOICES.map((c) => option(c.text, c.value));
  const encrypted = delivery?.ready === true;
  return modal({
    callbackId: CallbackId.replace,
    title: 'Replace API Key',
    submit: 'Replace',
    close: 'Cancel',
    privateMetadata: JSON.stringify({ k: key.id }),
    blocks: [
      section(
        `Replace ${keyTitle(key)} with a new key that has the same partner and ${replacementGrantsText(key, replacementGrants(legacyRule, key), legacyRule)}. The new key is ${encrypted ? 'sent encrypted to the partner contact or ' : ''}shown once; the old key is revoked when the grace period ends.`,
      ),
      keyFacts(key, usage),
      ...(key.legacy ? [legacyRuleSection(key, legacyRule)] : []),
      {
        type: 'input',
        block_id: BlockId.grace,
        label: plain('Revoke the old key'),
        hint: plain(
          'A grace period lets the integration switch to the new key first. Choose Now if the old key may have leaked.',
        ),
        element: { type: 'radio_buttons', action_id: ActionId.input, options: choices, initial_option: choices[0] },
      },
      ...deliveryChoiceBlocks(delivery, 0),
    ],
  });
}
