import type { KeyUsage } from '../../keys/key-usage.ts';
import type { LegacyRule } from '../../keys/legacy-rule.ts';
import type { UpgradePlan } from '../../keys/key-service.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { plural, slackDate } from '../ui/format.ts';
import { ActionId, BlockId, CallbackId } from '../ui/ids.ts';
import { type Hold, holdBlocks, submitLabel } from './approval-notice.ts';
import { type DeliveryOffer, deliveryChoiceBlocks } from './delivery-blocks.ts';
import { keyFacts, keyTitle } from './key-facts.ts';
import { type Block, context, type ModalView, modal, option, plain, section } from './kit.ts';
import { dayText, legacyRuleSection } from './legacy-blocks.ts';
import { GRACE_CHOICES } from './replace-view.ts';

/** The old key keeps working this long unless the admin chooses otherwise: the partner switches over meanwhile. */
export const UPGRADE_DEFAULT_GRACE = GRACE_CHOICES[3];

/**
 * "Upgrade to v3": what the client gets (the key's permissions, a legacy key's implicit ones made explicit, its
 * partner, networks and expiry), how it is handed over, and when the key stops.
 */
export function upgradeView(input: {
  plan: UpgradePlan;
  apiName: string;
  usage: KeyUsage;
  legacyRule: LegacyRule;
  delivery: DeliveryOffer | undefined;
  hold?: Hold;
}): ModalView {
  const { plan, legacyRule } = input;
  const key = plan.key;
  const encrypted = input.delivery?.ready === true;
  const grants =
    plan.fromLegacy === 0
      ? `the same ${plural(plan.permissions.length, 'permission')}`
      : `${plural(plan.permissions.length, 'permission')}: its ${plural(key.permissions.length, 'explicit grant')} plus the ${plan.fromLegacy} legacy endpoint${plan.fromLegacy === 1 ? '' : 's'} it could call as a key created before ${dayText(legacyRule.cutoff)}, now explicit (a client is never a legacy credential)`;
  const blocks: Block[] = [
    section(
      `Upgrade ${keyTitle(key)} to a *${escapeMrkdwn(input.apiName)} v3 (OAuth) client* with the same partner, ${grants}${key.allowedNetworks.length === 0 ? '' : ', the same allowed networks'} and ${plan.expiresAt === null ? 'no expiry' : `the expiry ${slackDate(plan.expiresAt)}`}. The client id and secret are ${encrypted ? 'sent encrypted to the partner contact or ' : ''}shown once; the key stops working when the grace period ends.`,
    ),
    keyFacts(key, input.usage),
    ...(key.legacy ? [legacyRuleSection(key, legacyRule)] : []),
    ...holdBlocks(input.hold, 'create', 'The new client'),
    {
      type: 'input',
      block_id: BlockId.grace,
      label: plain('The key stops working'),
      hint: plain('The partner switches to the client meanwhile (a token from POST /oauth/token instead of the key).'),
      element: {
        type: 'radio_buttons',
        action_id: ActionId.input,
        options: GRACE_CHOICES.map((c) => option(c.text, c.value)),
        initial_option: option(UPGRADE_DEFAULT_GRACE.text, UPGRADE_DEFAULT_GRACE.value),
      },
    },
    ...deliveryChoiceBlocks(input.delivery, 0),
    context('Every step is in the key’s History and the audit trail; the client’s History names the key it upgraded.'),
  ];
  return modal({
    callbackId: CallbackId.upgrade,
    title: 'Upgrade to v3',
    submit: submitLabel(input.hold, 'Upgrade'),
    close: 'Cancel',
    privateMetadata: JSON.stringify({ k: key.id }),
    blocks,
  });
}
