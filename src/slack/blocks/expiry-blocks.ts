import { DAY_MS, type LifetimePolicy, timeUntil } from '../../keys/expiry.ts';
import { ActionId, BlockId } from '../ui/ids.ts';
import { actions, type Block, context, type Option, option, plain, section } from './kit.ts';

/**
 * The "Expires" field of the create and edit dialogs: a static select of lifetimes counted from when the dialog is
 * saved (never, when no maximum is set; 30, 90, 180 or 365 days within the maximum; the maximum itself). Edit adds
 * "Keep" first, so saving other changes leaves the expiry alone.
 */
const LIFETIMES = [30, 90, 180, 365] as const;
export const NEVER = 'none';
export const KEEP = 'keep';

function daysOption(days: number, max: number | null): Option {
  return option(days === max ? `${days} days (the maximum)` : `${days} days`, String(days));
}

/** The lifetimes the policy allows, longest last; "never" only without a maximum. */
export function lifetimeOptions(policy: LifetimePolicy): Option[] {
  const max = policy.maxLifetimeDays;
  const days: number[] = LIFETIMES.filter((d) => max === null || d <= max);
  if (max !== null && !days.includes(max)) days.push(max);
  return [...(max === null ? [option('No expiry', NEVER)] : []), ...days.map((d) => daysOption(d, max))];
}

/** Create: the maximum when one is set (what a key gets anyway), otherwise never. */
export function createExpiryBlock(policy: LifetimePolicy): Block {
  const options = lifetimeOptions(policy);
  const max = policy.maxLifetimeDays;
  return {
    type: 'input',
    block_id: BlockId.expires,
    label: plain('Expires'),
    hint: plain(
      max === null
        ? 'When the key stops working by itself, counted from now. No expiry: it works until someone revokes it.'
        : `Keys here live at most ${max} days; the key stops working by itself then.`,
    ),
    element: {
      type: 'static_select',
      action_id: ActionId.input,
      options,
      initial_option: (max === null ? options[0] : options[options.length - 1]) as Option,
    },
  };
}

/** Edit: "Keep" (the key's expiry as it is) first, then the lifetimes from now. */
export function editExpiryBlock(policy: LifetimePolicy, expiresAt: Date | null, now: Date): Block {
  const current =
    expiresAt === null
      ? 'no expiry'
      : expiresAt.getTime() <= now.getTime()
        ? 'expired'
        : `expires ${timeUntil(expiresAt, now)}`;
  const keep = option(`Keep (${current})`, KEEP);
  return {
    type: 'input',
    block_id: BlockId.expires,
    label: plain('Expires'),
    hint: plain(
      'Extend or shorten the key’s life, counted from now. Extending it waits for approval like a permission change when approvals are on.',
    ),
    element: {
      type: 'static_select',
      action_id: ActionId.input,
      options: [keep, ...lifetimeOptions(policy)],
      initial_option: keep,
    },
  };
}

/**
 * A choice back as the services take it: undefined (keep, or no field), null (never) or the date that many days from
 * `now`. A value the policy does not offer (a stale dialog) is `'invalid'`.
 */
export function expiryFromChoice(
  value: string | undefined,
  policy: LifetimePolicy,
  now: Date,
): Date | null | undefined | 'invalid' {
  if (value === undefined || value === KEEP) return undefined;
  if (!lifetimeOptions(policy).some((o) => o.value === value)) return 'invalid';
  return value === NEVER ? null : new Date(now.getTime() + Number(value) * DAY_MS);
}

/** A create choice in words for the next step's summary: "no expiry", "in 90 days". */
export function choiceText(value: string | undefined): string | undefined {
  if (value === undefined || value === KEEP) return undefined;
  return value === NEVER ? 'no expiry' : `in ${value} days`;
}

/**
 * Re-enable: the dialog confirms with a button, not a submit, so the select sits in an actions block (read from the
 * view state on confirm). A key whose expiry is still ahead and within the maximum offers "Keep" first; otherwise the
 * create dialog's lifetimes and default (what re-enabling gives without a choice).
 */
export function enableExpiryBlocks(
  policy: LifetimePolicy,
  expiresAt: Date | null,
  now: Date,
  options: { refused?: boolean } = {},
): Block[] {
  const lifetimes = lifetimeOptions(policy);
  const max = policy.maxLifetimeDays;
  const keepable =
    expiresAt !== null &&
    expiresAt.getTime() > now.getTime() &&
    (max === null || expiresAt.getTime() <= now.getTime() + max * DAY_MS);
  const choices = keepable ? [option(`Keep (expires ${timeUntil(expiresAt, now)})`, KEEP), ...lifetimes] : lifetimes;
  const initial = (keepable || max === null ? choices[0] : choices[choices.length - 1]) as Option;
  return [
    section(
      max === null
        ? '*Expires*: when the re-enabled key stops working by itself, counted from now.'
        : `*Expires*: keys here live at most ${max} days, counted from now.`,
    ),
    actions(
      [{ type: 'static_select', action_id: ActionId.reenableExpires, options: choices, initial_option: initial }],
      BlockId.expires,
    ),
    ...(options.refused === true ? [context(':warning: That lifetime is no longer allowed here: pick again.')] : []),
  ];
}
