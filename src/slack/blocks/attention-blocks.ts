import type { Catalog } from '../../catalog/types.ts';
import type { DenialBurst, Listed, NeedsAttention } from '../../keys/attention.ts';
import { BURST_WINDOW_MS, NEVER_USED_DAYS } from '../../keys/attention.ts';
import type { ApiKey } from '../../keys/types.ts';
import { ActionId, restoreValue } from '../ui/ids.ts';
import { code, escapeMrkdwn, truncate } from '../ui/escape.ts';
import { actorRef, keyName, keyNamePlain, lastUsedText, plural, slackDate } from '../ui/format.ts';
import { actions, type Block, button, confirm, context, divider, header, LIMITS, section } from './kit.ts';
import type { Message } from './messages.ts';
import { endpointText } from './permission-lines.ts';

/** Keys of each kind the weekly digest lists with a Revoke button (3 kinds × 10 stays inside 50 blocks). */
export const DIGEST_PER_KIND = 10;
/** The same on the App Home, which shares its 100 blocks with the key list. */
export const HOME_PER_KIND = 3;

/** An endpoint by name and id: the id is what the CLI and the audit trail use. */
function endpointWords(catalog: Catalog, endpointId: string): string {
  const endpoint = catalog.byId.get(endpointId);
  return endpoint === undefined ? code(endpointId) : `${endpointText(catalog, endpoint)} (${code(endpointId)})`;
}

/** The alert for a burst of denials after an edit took an endpoint away, with a button to give it back. */
export function denialBurstAlert(catalog: Catalog, burst: DenialBurst, threshold: number): Message {
  const { key } = burst;
  const minutes = BURST_WINDOW_MS / 60_000;
  const lines = [
    ':rotating_light: *Denied requests right after a permission was removed*',
    `${keyName(key)} was refused *${plural(burst.denied, 'time')}* on ${endpointWords(catalog, burst.endpointId)} since ${actorRef(burst.actor)} removed that permission ${slackDate(burst.at)}.`,
    'Something still calls it: restore the permission, or tell whoever runs the integration.',
  ];
  return {
    text: `${escapeMrkdwn(keyNamePlain(key))} was refused ${plural(burst.denied, 'time')} on ${escapeMrkdwn(burst.endpointId)} after that permission was removed`,
    blocks: [
      section(truncate(lines.join('\n'), LIMITS.text)),
      context(
        `At least ${plural(threshold, 'denial')} (ALERT_DENIED_BURST) within ${minutes} minutes of the edit. Key ${code(key.id)} · edit by ${actorRef(burst.actor)}.`,
      ),
      actions([
        button('Restore permission', ActionId.alertRestore, restoreValue(key.id, burst.endpointId), {
          style: 'primary',
          confirm: confirm(
            'Restore this permission?',
            truncate(
              `${keyNamePlain(key)} may call ${burst.endpointId} again. Approval is asked where policy says.`,
              300,
            ),
            'Restore',
            'primary',
          ),
        }),
      ]),
    ],
  };
}

/**
 * A listed key by keyName (a client with its client id), its description and partner shortened: thirty rows of 255-character descriptions would pass the
 * ~12,000 characters of block text Slack accepts in a message.
 */
function shortName(key: ApiKey, withPartner = true): string {
  const partner = key.partnerName === null || !withPartner ? '' : ` · ${escapeMrkdwn(truncate(key.partnerName, 40))}`;
  return `${keyName({ ...key, description: truncate(key.description, 100) })}${partner}`;
}

function revokeRow(key: ApiKey, line: string): Block {
  return section(truncate(line, LIMITS.text), {
    accessory: button('Revoke', ActionId.attentionRevoke, key.id, { style: 'danger' }),
  });
}

/** One kind of item: a heading, a row per item with its Revoke button, and how many more there are. */
function kindBlocks<T>(list: Listed<T>, heading: string, row: (item: T) => Block, shown: number): Block[] {
  if (list.total === 0) return [];
  const items = list.items.slice(0, shown);
  const blocks: Block[] = [section(heading), ...items.map(row)];
  const more = list.total - items.length;
  if (more > 0) blocks.push(context(`…and ${more} more.`));
  return blocks;
}

function attentionBlocks(
  attention: NeedsAttention,
  settings: { unusedKeyDays: number; confirmHours: number },
  shown: number,
): Block[] {
  return [
    ...kindBlocks(
      attention.idle,
      `:zzz: *${plural(attention.idle.total, 'key')} not used for ${settings.unusedKeyDays} days or more*`,
      (key) => revokeRow(key, `• ${shortName(key)}: last used ${lastUsedText(key.lastUsedAt)}`),
      shown,
    ),
    ...kindBlocks(
      attention.neverUsed,
      `:new: *${plural(attention.neverUsed.total, 'key')} never used ${NEVER_USED_DAYS} days after creation*`,
      (key) => revokeRow(key, `• ${shortName(key)}: created ${slackDate(key.createdAt)} by ${actorRef(key.createdBy)}`),
      shown,
    ),
    ...kindBlocks(
      attention.unconfirmed,
      `:warning: *${plural(attention.unconfirmed.total, 'delivered key')} not confirmed by the partner* within ${plural(settings.confirmHours, 'hour')}. Ask the contact whether they received and stored it; replace the key if it may be lost.`,
      ({ delivery, key }) =>
        revokeRow(
          key,
          `• ${shortName(key, false)} sent to ${delivery.contactSlackUserId === null ? 'the partner' : `<@${delivery.contactSlackUserId}>`}${delivery.sentAt === null ? '' : ` ${slackDate(delivery.sentAt)}`}`,
        ),
      shown,
    ),
  ];
}

function counts(attention: NeedsAttention): string {
  const parts = [
    attention.idle.total > 0 ? `${attention.idle.total} unused` : '',
    attention.neverUsed.total > 0 ? `${attention.neverUsed.total} never used` : '',
    attention.unconfirmed.total > 0 ? `${attention.unconfirmed.total} delivered and not confirmed` : '',
  ].filter((p) => p !== '');
  return parts.join(', ');
}

/** The weekly digest in ALERTS_CHANNEL: keys nobody uses and deliveries nobody confirmed, each with Revoke. */
export function weeklyDigest(
  attention: NeedsAttention,
  settings: { unusedKeyDays: number; confirmHours: number; week: string },
): Message {
  return {
    text: `Weekly API key digest (${settings.week}): ${counts(attention)}`,
    blocks: [
      header(`API keys to look at (${settings.week})`),
      ...attentionBlocks(attention, settings, DIGEST_PER_KIND),
      context('Revoke opens the usual dialog. Keys that stop by themselves (expired, replaced) are not listed.'),
    ],
  };
}

/** Admins' App Home: the same items as the digest, a few of each; nothing when there is nothing to look at. */
export function needsAttentionBlocks(
  attention: NeedsAttention,
  settings: { unusedKeyDays: number; confirmHours: number },
): Block[] {
  const total = attention.idle.total + attention.neverUsed.total + attention.unconfirmed.total;
  if (total === 0) return [];
  return [header(`Needs attention (${total})`), ...attentionBlocks(attention, settings, HOME_PER_KIND), divider()];
}
