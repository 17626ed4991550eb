import { type KeyUsage, usedInLastWeek } from '../../keys/key-usage.ts';
import { keyState } from '../../keys/key-state.ts';
import { type LegacyRule, replacementGrants } from '../../keys/legacy-rule.ts';
import type { ApiKey } from '../../keys/types.ts';
import { lastUsedText, plural } from '../ui/format.ts';
import { ActionId, BlockId, CallbackId } from '../ui/ids.ts';
import { type Hold, holdBlocks, submitLabel } from './approval-notice.ts';
import { type DeliveryOffer, deliveryChoiceBlocks } from './delivery-blocks.ts';
import { keyFacts, keyTitle } from './key-facts.ts';
import { type Block, context, type ModalView, modal, option, plain, section } from './kit.ts';
import { legacyRuleSection, replacementGrantsText } from './legacy-blocks.ts';

export const GRACE_CHOICES = [
  { value: '0', text: 'Now: the old key stops working immediately' },
  { value: '3600', text: 'In 1 hour' },
  { value: '86400', text: 'In 24 hours' },
  { value: '604800', text: 'In 7 days' },
] as const;

/** The grace period offered first: a day when the key was used in the last week (its integration must switch), else none. */
export function defaultGrace(usage: KeyUsage, now: Date): (typeof GRACE_CHOICES)[number] {
  return usedInLastWeek(usage, now) ? GRACE_CHOICES[2] : GRACE_CHOICES[0];
}

export function replaceView(
  key: ApiKey,
  usage: KeyUsage,
  legacyRule: LegacyRule,
  delivery: DeliveryOffer | undefined,
  options: { now: Date; hold?: Hold /** The Expires field of the new key (expiry-blocks.ts). */; expiry?: Block },
): ModalView {
  const initial = defaultGrace(usage, options.now);
  const encrypted = delivery?.ready === true;
  const inUse = usedInLastWeek(usage, options.now);
  // A revoked key (a failed hand-over, say) has nothing left to stop: no grace period to choose, no warning.
  const revoked = keyState(key, options.now).kind === 'revoked';
  // A client keeps its client id: what is replaced, and what stops, is its secret.
  const client = key.clientId !== null;
  const [what, thing] = client ? ['secret', 'client'] : ['key', 'key'];
  const choice = (c: (typeof GRACE_CHOICES)[number]) =>
    option(c.value === '0' ? `Now: the old ${what} stops working immediately` : c.text, c.value);
  const choices = GRACE_CHOICES.map(choice);
  const oldKey: Block[] = revoked
    ? [context(`The old ${what} is already revoked and stays so: only the new ${what} will work.`)]
    : [
        context(
          inUse
            ? `:warning: *This ${thing} is in use* (last used ${lastUsedText(usage.lastUsedAt)}). Revoking it now breaks the integration until it switches to the new ${what}, so the old ${what} keeps working for 24 hours unless you choose otherwise.`
            : `Revoking the old ${what} removes access to its endpoints for every user and integration still using it. It was not used in the last 7 days, so it stops when the new ${what} is made unless you choose a grace period.`,
        ),
        ...holdBlocks(options.hold, 'replace'),
        {
          type: 'input',
          block_id: BlockId.grace,
          label: plain(`Revoke the old ${what}`),
          hint: plain(
            `A grace period lets the integration switch to the new ${what} first. Choose Now if the old ${what} may have leaked.`,
          ),
          element: {
            type: 'radio_buttons',
            action_id: ActionId.input,
            options: choices,
            initial_option: choice(initial),
          },
        },
      ];
  return modal({
    callbackId: CallbackId.replace,
    title: client ? 'Replace Client Secret' : 'Replace API Key',
    submit: submitLabel(options.hold, 'Replace'),
    close: 'Cancel',
    privateMetadata: JSON.stringify({ k: key.id }),
    blocks: [
      section(
        !client
          ? `Replace ${keyTitle(key)} with a new key that has the same partner and ${replacementGrantsText(key, replacementGrants(legacyRule, key), legacyRule)}. The new key is ${encrypted ? 'sent encrypted to the partner contact or ' : ''}shown once${revoked ? '' : '; the old key is revoked when the grace period ends'}.`
          : `Issue a new secret for ${keyTitle(key)}: the *client id stays the same*, with the same partner and ${plural(key.permissions.length, 'permission')}. The new secret is ${encrypted ? 'sent encrypted to the partner contact or ' : ''}shown once${revoked ? '' : '; the old secret, and access tokens issued with it, stop working when the grace period ends'}.`,
      ),
      keyFacts(key, usage),
      ...(key.legacy ? [legacyRuleSection(key, legacyRule)] : []),
      ...(revoked ? holdBlocks(options.hold, 'replace') : []),
      ...oldKey,
      ...(options.expiry === undefined ? [] : [options.expiry]),
      ...deliveryChoiceBlocks(delivery, 0),
    ],
  });
}
