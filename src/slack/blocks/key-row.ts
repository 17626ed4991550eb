import type { types } from '@slack/bolt';
import { revokedByFailedDelivery } from '../../delivery/failed-delivery.ts';
import { isUsable, keyState } from '../../keys/key-state.ts';
import type { ApiKey, KeyLinks } from '../../keys/types.ts';
import { code, escapeMrkdwn } from '../ui/escape.ts';
import { actorRef, keyName, lastUsedText, slackDate, statusText } from '../ui/format.ts';
import { ActionId, keyMenuValue } from '../ui/ids.ts';
import { type Block, button, type Option, option, section } from './kit.ts';

/**
 * What an admin can do with a key, offered only when it can succeed: a replaced key is changed through its
 * replacement (Edit and Replace would be refused), and a key revoked because its hand-over failed was never received
 * by anyone, so it is replaced (handed over again), not re-enabled.
 */
export function keyMenuOptions(key: ApiKey, now: Date, withView = false): Option[] {
  const replaced = key.replacedBy !== null;
  // A key that still works (inside a replacement's grace period too) is offered Revoke, any other Re-enable.
  const usable = isUsable(keyState(key, now));
  const options: Option[] = withView ? [option('View', keyMenuValue('view', key.id))] : [];
  if (!replaced) options.push(option('Edit', keyMenuValue('edit', key.id)));
  if (usable) options.push(option('Revoke', keyMenuValue('revoke', key.id)));
  else if (!revokedByFailedDelivery(key)) options.push(option('Re-enable', keyMenuValue('enable', key.id)));
  if (!replaced) options.push(option('Replace', keyMenuValue('replace', key.id)));
  // Room for it only without View (messages); on the Home it is in the key's View.
  if (!withView && upgradable(key, now)) options.push(option('Upgrade to v3', keyMenuValue('upgrade', key.id)));
  // Five at most (Slack's overflow limit): View, Edit, Revoke or Re-enable, Replace, History.
  options.push(option('History', keyMenuValue('history', key.id)));
  return options;
}

/** A plain key that still works and was not replaced: "Upgrade to v3" can make a client of it. */
export function upgradable(key: ApiKey, now: Date): boolean {
  return key.clientId === null && key.replacedBy === null && keyState(key, now).kind === 'active';
}

/** A key's overflow menu: View (on the Home's rows), then what an admin can do with it. */
export function keyMenu(key: ApiKey, now: Date, withView = false): types.Overflow | undefined {
  const options = keyMenuOptions(key, now, withView);
  return options.length === 0 ? undefined : { type: 'overflow', action_id: ActionId.keyMenu, options };
}

/** "Replaced by …" / "Replaces …": a replacement named from both ends, by description and last characters. */
export function keyLinkLines(key: ApiKey, links: KeyLinks | undefined): string[] {
  const lines: string[] = [];
  if (links?.replacedBy !== undefined) lines.push(`:arrow_right: Replaced by ${keyName(links.replacedBy)}`);
  else if (key.replacedBy !== null) lines.push(`:arrow_right: Replaced by ${code(key.replacedBy)}`);
  if (links?.replaces !== undefined) lines.push(`:arrow_left: Replaces ${keyName(links.replaces)}`);
  return lines;
}

/** The status, with why a key whose hand-over failed is revoked (nobody received it). */
export function keyStatusText(key: ApiKey, now: Date): string {
  return revokedByFailedDelivery(key)
    ? `${statusText(key, now)}: its encrypted hand-over failed, nobody received it`
    : statusText(key, now);
}

/**
 * One key as a section: what the seed's management page shows per row, the id last (for typing). On the Home
 * (`withView`) everyone gets View: admins in the menu, everyone else as a button.
 */
export function keyRow(
  key: ApiKey,
  now: Date,
  canManage: boolean,
  links?: KeyLinks | undefined,
  withView = true,
): Block {
  const text = [
    `${keyName(key)}${key.legacy ? '   _legacy_' : ''}`,
    `*Partner:* ${key.partnerName === null ? 'none' : escapeMrkdwn(key.partnerName)}   ·   ${keyStatusText(key, now)}`,
    ...keyLinkLines(key, links),
    `Created ${slackDate(key.createdAt)} by ${actorRef(key.createdBy)}   ·   Last used: ${lastUsedText(key.lastUsedAt)}   ·   ${code(key.id)}`,
  ].join('\n');
  const accessory = canManage
    ? keyMenu(key, now, withView)
    : withView
      ? button('View', ActionId.keyView, key.id)
      : undefined;
  return section(text, accessory === undefined ? {} : { accessory });
}
