import { networksSummary } from './network-blocks.ts';
import type { Catalog } from '../../catalog/types.ts';
import type { KeyOverview } from '../../keys/insights.ts';
import type { LegacyRule } from '../../keys/legacy-rule.ts';
import type { ApiKey, KeyLinks } from '../../keys/types.ts';
import { code, escapeMrkdwn, truncate } from '../ui/escape.ts';
import { actorRef, keyName, keyNamePlain, lastUsedText, plural, slackDate } from '../ui/format.ts';
import { keyLinkLines, keyMenu, keyRow, keyStatusText } from './key-row.ts';
import { legacyRuleSection } from './legacy-blocks.ts';
import { permissionLines } from './permission-lines.ts';
import { usageBlocks } from './usage-blocks.ts';
import { type Block, chunkLines, context, mrkdwn, section } from './kit.ts';

export interface Message {
  text: string;
  blocks: Block[];
}

/** Message responses keep below Slack's undocumented ~12k characters of block text. */
const MESSAGE_TEXT_BUDGET = 10_000;
export const LIST_MESSAGE_SIZE = 20;

export function helpMessage(command: string): Message {
  const c = escapeMrkdwn(command);
  const lines = [
    `*${c}* manages the API keys (admins change, approvers and admins view):`,
    `• \`${c} create\`: create a key (partner, description, permissions); it is shown once`,
    `• \`${c} list [text]\`: keys, optionally matching a description, partner, id or the key’s last 4 characters`,
    `• \`${c} show <key id>\`: one key with its permissions and its use (what it called in 30 days, unused permissions, a legacy key’s conversion)`,
    `• \`${c} edit <key id>\`: change description and permissions`,
    `• \`${c} revoke <key id>\` / \`${c} enable <key id>\`: revoke or re-enable`,
    `• \`${c} replace <key id>\`: new key with the same permissions (for a lost key)`,
    `• \`${c} partners\`: partners, their contacts and permission presets`,
    `• \`${c} roles\`: who is admin or approver`,
    `• \`${c} approvals\`: requests waiting for an approver`,
    `• \`${c} pubkey\`: the PGP key that signs keys sent to partners, and its fingerprint`,
    'The app’s *Home* tab is the API Credential Management page with search and paging.',
  ];
  return { text: `${command} help`, blocks: [section(lines.join('\n'))] };
}

export function textMessage(text: string): Message {
  return { text: truncate(text, 3000), blocks: [section(truncate(text, 3000))] };
}

export function keyListMessage(input: {
  keys: readonly ApiKey[];
  total: number;
  query: string;
  canManage: boolean;
  now: Date;
  command: string;
  links?: ReadonlyMap<string, KeyLinks> | undefined;
}): Message {
  const { keys, total, query } = input;
  const matching = query === '' ? '' : ` matching “${escapeMrkdwn(query)}”`;
  const blocks: Block[] = [section(total === 0 ? `No keys${matching}.` : `*API keys${matching}:*`)];
  // Rows stop at the message text budget: 20 keys with 255-character descriptions would pass Slack's ~12k.
  let budget = MESSAGE_TEXT_BUDGET;
  let shown = 0;
  for (const key of keys) {
    const row = keyRow(key, input.now, input.canManage, input.links?.get(key.id));
    const size = JSON.stringify(row).length;
    if (size > budget) break;
    budget -= size;
    blocks.push(row);
    shown++;
  }
  if (total > shown) {
    blocks.push(
      context(
        `${total - shown} more: narrow it with \`${escapeMrkdwn(input.command)} list <text>\` or open the app’s Home tab for search and paging.`,
      ),
    );
  }
  // The fallback is mrkdwn too (notifications, screen readers): the typed search is escaped there as well.
  return { text: `${plural(total, 'API key')}${matching}`, blocks };
}

export function keyDetailsMessage(input: {
  key: ApiKey;
  catalog: Catalog;
  legacyRule: LegacyRule;
  canManage: boolean;
  now: Date;
  links?: KeyLinks | undefined;
  /** The key's use and what it suggests (issue 16); absent: not shown. */
  overview?: KeyOverview | undefined;
  /** Offer the changes its use suggests (admins): defaults to `canManage`. */
  canChange?: boolean | undefined;
}): Message {
  const { key, catalog } = input;
  const menu = input.canManage ? keyMenu(key, input.now) : undefined;
  const title = [`${keyName(key)}${key.legacy ? '   _legacy key_' : ''}`, ...keyLinkLines(key, input.links)];
  const blocks: Block[] = [
    section(title.join('\n'), menu === undefined ? {} : { accessory: menu }),
    {
      type: 'section',
      fields: [
        mrkdwn(`*Status*\n${keyStatusText(key, input.now)}`),
        mrkdwn(`*Partner*\n${key.partnerName === null ? 'none' : escapeMrkdwn(key.partnerName)}`),
        mrkdwn(`*Created*\n${slackDate(key.createdAt)} by ${actorRef(key.createdBy)}`),
        mrkdwn(`*Last used*\n${lastUsedText(key.lastUsedAt)}`),
        mrkdwn(`*API type*\n${escapeMrkdwn(key.clientId === null ? key.apiType : `${key.apiType} v3 (OAuth)`)}`),
        mrkdwn(`*Key id*\n${code(key.id)}`),
        ...(key.clientId === null ? [] : [mrkdwn(`*Client id*\n${code(key.clientId)}`)]),
        mrkdwn(`*Usable from*\n${networksSummary(key.allowedNetworks)}`),
      ],
    },
  ];
  if (input.overview !== undefined) {
    const canChange = input.canChange ?? input.canManage;
    blocks.push(...usageBlocks({ overview: input.overview, catalog, canChange, now: input.now }));
  }
  const lines = permissionLines(catalog, key.permissions);
  let budget = MESSAGE_TEXT_BUDGET;
  const kept: string[] = [];
  for (const line of lines) {
    if (line.length > budget) break;
    kept.push(line);
    budget -= line.length + 1;
  }
  if (key.legacy) blocks.push(legacyRuleSection(key, input.legacyRule));
  blocks.push(
    section(
      `*${key.legacy ? 'Explicit grants' : 'Permissions'} (${key.permissions.length})*${key.permissions.length === 0 ? ': none' : ''}`,
    ),
  );
  for (const chunk of chunkLines(kept)) blocks.push(section(chunk));
  if (kept.length < lines.length) {
    blocks.push(
      context(`${plural(lines.length - kept.length, 'more group')} not shown here: open Edit to see every permission.`),
    );
  }
  return { text: escapeMrkdwn(keyNamePlain(key)), blocks };
}
