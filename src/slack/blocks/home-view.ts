import { isUsable, keyState } from '../../keys/key-state.ts';
import type { ApiKey } from '../../keys/types.ts';
import { ActionId, BlockId, keyMenuValue } from '../ui/ids.ts';
import { code, escapeMrkdwn } from '../ui/escape.ts';
import { actorRef, lastUsedText, slackDate, statusText } from '../ui/format.ts';
import { type Block, type HomeView, actions, button, context, divider, header, option, plain, section } from './kit.ts';
import type { types } from '@slack/bolt';
import { type ApprovalsStatus, approvalsStatusBlocks } from './approval-notice.ts';

export const HOME_PAGE_SIZE = 20;

export function keyMenu(key: ApiKey, now: Date): types.Overflow {
  // A key that still works (inside a replacement's grace period too) is offered Revoke, any other Re-enable.
  const active = isUsable(keyState(key, now));
  return {
    type: 'overflow',
    action_id: ActionId.keyMenu,
    options: [
      option('Edit', keyMenuValue('edit', key.id)),
      active ? option('Revoke', keyMenuValue('revoke', key.id)) : option('Re-enable', keyMenuValue('enable', key.id)),
      option('Replace', keyMenuValue('replace', key.id)),
    ],
  };
}

/** One key as a section: what the seed's management page shows per row. */
export function keyRow(key: ApiKey, now: Date, canManage: boolean): Block {
  const text = [
    `*${escapeMrkdwn(key.description)}*   ${code(key.id)}${key.legacy ? '   _legacy_' : ''}`,
    `*Partner:* ${key.partnerName === null ? 'none' : escapeMrkdwn(key.partnerName)}   ·   ${statusText(key, now)}`,
    `Created ${slackDate(key.createdAt)} by ${actorRef(key.createdBy)}   ·   Last used: ${lastUsedText(key.lastUsedAt)}`,
  ].join('\n');
  return section(text, canManage ? { accessory: keyMenu(key, now) } : {});
}

export function homeView(input: {
  apiType: string;
  keys: readonly ApiKey[];
  total: number;
  query: string;
  page: number;
  canManage: boolean;
  now: Date;
  privateMetadata: string;
  approvals?: ApprovalsStatus | undefined;
}): HomeView {
  const { keys, total, query, page } = input;
  const first = page * HOME_PAGE_SIZE;
  const blocks: Block[] = [
    header('API Credential Management'),
    section(
      `Create and manage the *${escapeMrkdwn(input.apiType)}* API keys: permissions per endpoint, revoke, re-enable and replace.`,
      input.canManage
        ? { accessory: button('Create New API Key', ActionId.homeCreate, 'create', { style: 'primary' }) }
        : {},
    ),
    ...approvalsStatusBlocks(input.approvals),
    {
      type: 'input',
      block_id: BlockId.homeSearch,
      dispatch_action: true,
      optional: true,
      label: plain('Search keys'),
      hint: plain('Description, partner or key id; press Enter to search.'),
      element: {
        type: 'plain_text_input',
        action_id: ActionId.homeSearch,
        max_length: 100,
        dispatch_action_config: { trigger_actions_on: ['on_enter_pressed'] },
        ...(query === '' ? {} : { initial_value: query }),
      },
    },
    context(
      total === 0
        ? query === ''
          ? 'No keys yet.'
          : `No keys match “${escapeMrkdwn(query)}”.`
        : `Showing ${first + 1}–${first + keys.length} of ${total} key${total === 1 ? '' : 's'}${query === '' ? '' : ` matching “${escapeMrkdwn(query)}”`}.`,
    ),
    divider(),
  ];
  for (const key of keys) blocks.push(keyRow(key, input.now, input.canManage), divider());
  const nav = [];
  if (page > 0) nav.push(button('◀ Previous', ActionId.homePage, String(page - 1)));
  if (first + keys.length < total) nav.push(button('Next ▶', `${ActionId.homePage}.next`, String(page + 1)));
  if (nav.length > 0) blocks.push(actions(nav));
  if (!input.canManage) blocks.push(context('You can view keys. Changing them needs the admin role.'));
  return { type: 'home', blocks, private_metadata: input.privateMetadata };
}

export function homeNoAccessView(command: string): HomeView {
  return {
    type: 'home',
    blocks: [
      header('API Credential Management'),
      section(
        `You need the admin or approver role to see the API keys. Ask an admin to grant it (\`${escapeMrkdwn(command)} roles\`).`,
      ),
    ],
  };
}
