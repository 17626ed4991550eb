import type { ApiKey, KeyLinks } from '../../keys/types.ts';
import { ActionId, BlockId } from '../ui/ids.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { type Block, type HomeView, actions, button, context, divider, header, plain, section } from './kit.ts';
import { keyRow } from './key-row.ts';
import { type ApprovalsStatus, approvalsStatusBlocks } from './approval-notice.ts';

export const HOME_PAGE_SIZE = 20;

export { keyMenu, keyRow } from './key-row.ts';

export function homeView(input: {
  apiType: string;
  keys: readonly ApiKey[];
  total: number;
  query: string;
  page: number;
  canManage: boolean;
  now: Date;
  privateMetadata: string;
  links?: ReadonlyMap<string, KeyLinks> | undefined;
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
      hint: plain('Description, partner, key id or the key’s last 4 characters; press Enter to search.'),
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
  for (const key of keys) blocks.push(keyRow(key, input.now, input.canManage, input.links?.get(key.id)), divider());
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
