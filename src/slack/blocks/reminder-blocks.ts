import { DAY_MS, type LifetimePolicy, timeUntil } from '../../keys/expiry.ts';
import type { ApiKey } from '../../keys/types.ts';
import { code, escapeMrkdwn } from '../ui/escape.ts';
import { actorRef, isSlackUser, keyName, keyNamePlain, plural, slackDate } from '../ui/format.ts';
import { ActionId, BlockId, CallbackId, reminderValue } from '../ui/ids.ts';
import { type Hold, holdBlocks, submitLabel } from './approval-notice.ts';
import { lifetimeOptions, NEVER } from './expiry-blocks.ts';
import {
  actions,
  type Block,
  button,
  context,
  type ModalView,
  modal,
  mrkdwn,
  type Option,
  plain,
  section,
} from './kit.ts';

// Expiry reminders (README "Keys" → "Reminders"): the notice in ALERTS_CHANNEL, the DMs to the key's creator and
// its partner's contacts, and the Extend dialog their button opens.

/** A key a reminder is about: one that expires. */
export type ExpiringKey = Pick<ApiKey, 'id' | 'description' | 'hint' | 'partnerName' | 'createdBy'> & {
  expiresAt: Date;
  /** Set for a Harvest v3 client: named by it, and Replace issues it a new secret. */
  clientId?: string | null | undefined;
};

export interface ReminderMessage {
  text: string;
  blocks: Block[];
}

function partnerText(key: ExpiringKey): string {
  return key.partnerName === null ? 'none' : escapeMrkdwn(key.partnerName);
}

/** " (partner: Acme)" where the key has one; nothing where it has none. */
function partnerNote(key: ExpiringKey): string {
  return key.partnerName === null ? '' : ` (partner: ${escapeMrkdwn(key.partnerName)})`;
}

/**
 * A notification shows its text as typed, so the name there is plain, escaped like the other alerts' fallbacks; the
 * date token is one Slack renders there too.
 */
function fallbackName(key: ExpiringKey): string {
  return escapeMrkdwn(keyNamePlain(key));
}

/** "key" or "v3 client", for the sentences that say what the reminder is about. */
function noun(key: ExpiringKey): string {
  return key.clientId == null ? 'key' : 'v3 client';
}

/** "expires in 5 days (<date>)": the date in each reader's own time zone. */
function whenText(key: ExpiringKey, now: Date): string {
  return `expires ${timeUntil(key.expiresAt, now)} (${slackDate(key.expiresAt)})`;
}

/** Replace and Extend, carrying the end reminded of so a click after a change is recognised as stale. */
function reminderButtons(key: ExpiringKey): Block {
  const value = reminderValue(key.id, key.expiresAt);
  return actions([
    button('Replace', ActionId.reminderReplace, value, { style: 'primary' }),
    button('Extend', ActionId.reminderExtend, value),
  ]);
}

function buttonsHelp(key: ExpiringKey, held: boolean): string {
  const replace =
    key.clientId == null
      ? '*Replace* issues a new key with the same partner and permissions'
      : '*Replace* issues a new secret for the same client id, partner and permissions';
  return `${replace}; *Extend* gives this ${noun(key)} a later expiry${held ? ' once an approver agrees (like a permission change)' : ''}. Admins only.`;
}

/** The notice in ALERTS_CHANNEL. */
export function expiryReminderNotice(input: {
  key: ExpiringKey;
  now: Date;
  /** The threshold reminded of (EXPIRY_REMINDER_DAYS). */
  days: number;
  /** Extending waits for approval (approvals on, permission changes held). */
  held: boolean;
}): ReminderMessage {
  const { key, now } = input;
  const when = whenText(key, now);
  return {
    text: `:hourglass_flowing_sand: ${fallbackName(key)}${partnerNote(key)} ${when}.`,
    blocks: [
      section(
        `:hourglass_flowing_sand: *Expiry reminder:* ${keyName(key)} ${when}. From then on every request with it is refused.`,
      ),
      {
        type: 'section',
        fields: [
          mrkdwn(`*Partner*\n${partnerText(key)}`),
          mrkdwn(`*Created by*\n${actorRef(key.createdBy)}`),
          mrkdwn(`*Key id*\n${code(key.id)}`),
          mrkdwn(`*Expires*\n${slackDate(key.expiresAt)}`),
        ],
      },
      reminderButtons(key),
      context(
        `${buttonsHelp(key, input.held)} Sent as the ${noun(key)} came within ${plural(input.days, 'day')} of its end (EXPIRY_REMINDER_DAYS).`,
      ),
    ],
  };
}

/** The DM to the person who created the key (in Slack), with the same buttons. */
export function creatorReminder(input: { key: ExpiringKey; now: Date; held: boolean }): ReminderMessage {
  const { key, now } = input;
  const when = whenText(key, now);
  return {
    text: `:hourglass_flowing_sand: A ${noun(key)} you created, ${fallbackName(key)}, ${when}.`,
    blocks: [
      section(
        `:hourglass_flowing_sand: A ${noun(key)} you created, ${keyName(key)}${partnerNote(key)}, ${when}. Replace or extend it before then, or let it end.`,
      ),
      reminderButtons(key),
      context(buttonsHelp(key, input.held)),
    ],
  };
}

/** The DM to a partner contact: what stops and whom to ask; no buttons (contacts hold no role here). */
export function contactReminder(input: { key: ExpiringKey; now: Date }): ReminderMessage {
  const { key, now } = input;
  const when = whenText(key, now);
  const what = key.clientId == null ? 'key' : 'secret';
  const ask = isSlackUser(key.createdBy)
    ? `Ask <@${key.createdBy}>, who created it, for a new ${what} or a later expiry.`
    : `Ask the team that gave it to you for a new ${what} or a later expiry.`;
  const who = key.partnerName === null ? 'you use' : `${escapeMrkdwn(key.partnerName)} uses`;
  const kind = key.clientId == null ? 'API key' : 'API client';
  return {
    text: `:hourglass_flowing_sand: The ${kind} ${fallbackName(key)} ${when}.`,
    blocks: [
      section(
        `:hourglass_flowing_sand: The ${kind} ${keyName(key)} that ${who} ${when}. From then on every request with it is refused. ${ask}`,
      ),
    ],
  };
}

/** The lifetimes (counted from now) that end later than the key does now; "No expiry" only without a maximum. */
export function extendOptions(policy: LifetimePolicy, expiresAt: Date, now: Date): Option[] {
  return lifetimeOptions(policy).filter(
    (o) => o.value === NEVER || now.getTime() + Number(o.value) * DAY_MS > expiresAt.getTime(),
  );
}

/**
 * Extend: a new expiry only, counted from now. Offered first: the maximum when one is set (what a new key gets),
 * else 90 days — never "No expiry" unasked. Undefined when no lifetime the policy allows ends later.
 */
export function extendView(input: {
  key: ExpiringKey;
  now: Date;
  policy: LifetimePolicy;
  hold: Hold;
  privateMetadata: string;
}): ModalView | undefined {
  const { key, now, policy } = input;
  const options = extendOptions(policy, key.expiresAt, now);
  const days = options.filter((o) => o.value !== NEVER);
  const initial = policy.maxLifetimeDays === null ? (days.find((o) => o.value === '90') ?? days[0]) : days.at(-1);
  if (initial === undefined) return undefined;
  return modal({
    callbackId: CallbackId.extend,
    title: 'Extend API Key',
    submit: submitLabel(input.hold, 'Extend'),
    close: 'Cancel',
    privateMetadata: input.privateMetadata,
    blocks: [
      section(`Give ${keyName(key)}${partnerNote(key)} a later expiry. It now ${whenText(key, now)}.`),
      ...holdBlocks(input.hold, 'permissions', 'The later expiry'),
      {
        type: 'input',
        block_id: BlockId.expires,
        label: plain('New expiry'),
        hint: plain(
          policy.maxLifetimeDays === null
            ? 'Counted from now. No expiry: it works until someone revokes it.'
            : `Counted from now; keys here live at most ${policy.maxLifetimeDays} days.`,
        ),
        element: { type: 'static_select', action_id: ActionId.input, options, initial_option: initial },
      },
    ],
  });
}
