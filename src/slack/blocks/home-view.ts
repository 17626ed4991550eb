import type { ApprovalRequest } from '../../approvals/types.ts';
import type { ApiKey, KeyLinks } from '../../keys/types.ts';
import { keyRow } from './key-row.ts';
import { ActionId, BlockId } from '../ui/ids.ts';
import { escapeMrkdwn, truncate } from '../ui/escape.ts';
import { actorRef, plural, slackDate } from '../ui/format.ts';
import { requestTitle } from './approval-blocks.ts';
import {
  type Block,
  type HomeView,
  actions,
  button,
  confirm,
  context,
  divider,
  header,
  LIMITS,
  type Option,
  option,
  plain,
  section,
} from './kit.ts';
import type { types } from '@slack/bolt';
import { type ApprovalsStatus, approvalsStatusBlocks } from './approval-notice.ts';

export const HOME_PAGE_SIZE = 20;
/** Requests an approver can act on right in the Home; the rest are one click away (Approvals). */
export const HOME_APPROVALS = 5;
/** Partners offered in the partner filter (a static menu holds 100 options; one is "Any partner"). */
const PARTNER_OPTIONS = LIMITS.selectOptions - 1;

/** What the App Home lists: a search text and filters (`HomeMeta` carries them between clicks). */
export interface HomeFilters {
  q: string;
  /** Status: usable (active, or stopping after a replacement) or revoked. */
  s?: 'usable' | 'revoked' | undefined;
  /** Partner id. */
  pa?: string | undefined;
  fl?: readonly HomeFlag[] | undefined;
}
export type HomeFlag = 'legacy' | 'unused' | 'expiring';

const FLAG_LABELS: Record<HomeFlag, { text: string; description: string }> = {
  legacy: { text: 'Legacy', description: 'Created before the legacy cutoff' },
  unused: { text: 'Never used', description: 'No request seen with the key' },
  expiring: { text: 'Expiring', description: 'Stops within 7 days: its expiry, or a replacement’s grace period' },
};
const STATUS_LABELS = { any: 'Any status', usable: 'Active', revoked: 'Revoked' } as const;

export function isFiltered(filters: HomeFilters): boolean {
  return filters.q !== '' || filters.s !== undefined || filters.pa !== undefined || (filters.fl ?? []).length > 0;
}

export { keyMenu, keyRow } from './key-row.ts';

/** The page's buttons: admins get Create, Partners and Roles; approvers Approvals; everyone Help. */
function navigation(canManage: boolean, isApprover: boolean, waiting: number): Block {
  const elements: types.Button[] = [];
  if (canManage) {
    elements.push(
      button('Create New API Key', ActionId.homeCreate, 'create', { style: 'primary' }),
      button('Partners', ActionId.homePartners, 'partners'),
      button('Roles', ActionId.homeRoles, 'roles'),
    );
  }
  if (isApprover)
    elements.push(button(waiting > 0 ? `Approvals (${waiting})` : 'Approvals', ActionId.homeApprovals, 'approvals'));
  elements.push(button('Help', ActionId.homeHelp, 'help'));
  return actions(elements, BlockId.homeNav);
}

/** What waits for this approver: Approve and Deny right here, and where the card is. */
export function homeApprovalBlocks(requests: readonly ApprovalRequest[], approver: string): Block[] {
  const waiting = waitingFor(requests, approver);
  if (waiting.length === 0) return [];
  const blocks: Block[] = [header(`Waiting for your approval (${waiting.length})`)];
  for (const r of waiting.slice(0, HOME_APPROVALS)) {
    const title = requestTitle(r);
    const approvals = r.decisions.filter((d) => d.decision === 'approve').length;
    const lines = [
      `*${escapeMrkdwn(title)}*: ${escapeMrkdwn(truncate(r.payload.description, 100))}`,
      `Asked by ${actorRef(r.requestedBy)} · ${approvals} of ${plural(r.requiredApprovals, 'approval')} · expires ${slackDate(r.expiresAt)}${r.cardChannel === null ? '' : ` · card in <#${r.cardChannel}>`}`,
    ];
    blocks.push(
      section(lines.join('\n')),
      actions(
        [
          button('Approve', ActionId.approvalApprove, r.id, {
            style: 'primary',
            confirm: confirm(
              'Approve this change?',
              truncate(`${title}: ${r.payload.description}`, 300),
              'Approve',
              'primary',
            ),
          }),
          button('Deny', ActionId.approvalDeny, r.id, { style: 'danger' }),
        ],
        `${BlockId.approvalActions}.${r.id}`,
      ),
    );
  }
  if (waiting.length > HOME_APPROVALS)
    blocks.push(context(`${waiting.length - HOME_APPROVALS} more: the Approvals button lists them all.`));
  blocks.push(divider());
  return blocks;
}

/** Requests this approver can still decide: not their own, not decided by them yet. */
export function waitingFor(requests: readonly ApprovalRequest[], approver: string): ApprovalRequest[] {
  return requests.filter((r) => r.requestedBy !== approver && !r.decisions.some((d) => d.approver === approver));
}

function filterBlock(filters: HomeFilters, partners: readonly { id: string; name: string }[]): Block {
  const statusOptions = (['any', 'usable', 'revoked'] as const).map((s) => option(STATUS_LABELS[s], s));
  const elements: types.ActionsBlockElement[] = [
    {
      type: 'static_select',
      action_id: ActionId.homeFilterStatus,
      placeholder: plain('Status'),
      options: statusOptions,
      ...(filters.s === undefined ? {} : { initial_option: option(STATUS_LABELS[filters.s], filters.s) }),
    },
  ];
  if (partners.length > 0) {
    const partnerOptions: Option[] = [
      option('Any partner', 'any'),
      ...partners.slice(0, PARTNER_OPTIONS).map((p) => option(p.name, p.id)),
    ];
    const chosen = partnerOptions.find((o) => o.value === filters.pa);
    elements.push({
      type: 'static_select',
      action_id: ActionId.homeFilterPartner,
      placeholder: plain('Partner'),
      options: partnerOptions,
      ...(chosen === undefined ? {} : { initial_option: chosen }),
    });
  }
  const flagOption = (flag: HomeFlag) => option(FLAG_LABELS[flag].text, flag, FLAG_LABELS[flag].description);
  const flags = filters.fl ?? [];
  elements.push({
    type: 'checkboxes',
    action_id: ActionId.homeFilterFlags,
    options: (['legacy', 'unused', 'expiring'] as const).map(flagOption),
    ...(flags.length === 0 ? {} : { initial_options: flags.map(flagOption) }),
  });
  if (isFiltered(filters)) elements.push(button('Clear', ActionId.homeClear, 'clear'));
  return actions(elements, BlockId.homeFilters);
}

/** The filters in words, for the count line ("active, legacy, partner Acme"). */
function filterWords(filters: HomeFilters, partners: readonly { id: string; name: string }[]): string {
  const words: string[] = [];
  if (filters.s !== undefined) words.push(STATUS_LABELS[filters.s].toLowerCase());
  for (const flag of filters.fl ?? []) words.push(FLAG_LABELS[flag].text.toLowerCase());
  if (filters.pa !== undefined)
    words.push(`partner ${escapeMrkdwn(partners.find((p) => p.id === filters.pa)?.name ?? 'unknown')}`);
  if (filters.q !== '') words.push(`matching “${escapeMrkdwn(filters.q)}”`);
  return words.join(', ');
}

export function homeView(input: {
  apiType: string;
  keys: readonly ApiKey[];
  total: number;
  filters: HomeFilters;
  partners: readonly { id: string; name: string }[];
  page: number;
  canManage: boolean;
  isApprover: boolean;
  /** Blocks for what waits for this person (approvals, unconfirmed deliveries), right under the buttons. */
  flags: readonly Block[];
  /** Requests waiting for this approver (the Approvals button shows the count). */
  waiting: number;
  now: Date;
  /**
   * Part of the search box's block_id, new on every publish: Slack keeps what was typed in an input whose block_id
   * stays the same, so without it a cleared search would still show its old text.
   */
  revision: string;
  privateMetadata: string;
  approvals?: ApprovalsStatus | undefined;
  /** Replacement links of the listed keys, by key id. */
  links?: ReadonlyMap<string, KeyLinks> | undefined;
}): HomeView {
  const { keys, total, filters, page } = input;
  const first = page * HOME_PAGE_SIZE;
  const query = filters.q;
  const which = filterWords(filters, input.partners);
  const blocks: Block[] = [
    header('API Credential Management'),
    section(
      input.canManage
        ? `Create and manage the *${escapeMrkdwn(input.apiType)}* API keys: permissions per endpoint, revoke, re-enable and replace.`
        : `The *${escapeMrkdwn(input.apiType)}* API keys: what each may call, whose it is and whether it is in use.`,
    ),
    navigation(input.canManage, input.isApprover, input.waiting),
    ...approvalsStatusBlocks(input.approvals),
    ...input.flags,
    {
      type: 'input',
      block_id: `${BlockId.homeSearch}.${input.revision}`,
      dispatch_action: true,
      optional: true,
      label: plain('Search keys'),
      hint: plain('Description, partner, key id or last characters; press Enter to search.'),
      element: {
        type: 'plain_text_input',
        action_id: ActionId.homeSearch,
        max_length: 100,
        dispatch_action_config: { trigger_actions_on: ['on_enter_pressed'] },
        ...(query === '' ? {} : { initial_value: query }),
      },
    },
    filterBlock(filters, input.partners),
    context(
      total === 0
        ? isFiltered(filters)
          ? `No keys: ${which}. *Clear* shows every key.`
          : input.canManage
            ? 'No keys yet: *Create New API Key* makes the first.'
            : 'No keys yet.'
        : `Showing ${first + 1}–${first + keys.length} of ${plural(total, 'key')}${which === '' ? '' : `: ${which}`}.`,
    ),
    divider(),
  ];
  for (const key of keys) blocks.push(keyRow(key, input.now, input.canManage, input.links?.get(key.id)), divider());
  const nav = [];
  if (page > 0) nav.push(button('◀ Previous', ActionId.homePage, String(page - 1)));
  if (first + keys.length < total) nav.push(button('Next ▶', `${ActionId.homePage}.next`, String(page + 1)));
  if (nav.length > 0) blocks.push(actions(nav));
  if (!input.canManage) blocks.push(context('You can view keys (*View* on each). Changing them needs the admin role.'));
  return { type: 'home', blocks: blocks.slice(0, LIMITS.viewBlocks), private_metadata: input.privateMetadata };
}

/** The Home of someone without a role: `refusal` says who can grant one (the same words as a refused command). */
export function homeNoAccessView(refusal: string): HomeView {
  return {
    type: 'home',
    blocks: [
      header('API Credential Management'),
      section(refusal),
      actions([button('Help', ActionId.homeHelp, 'help')], BlockId.homeNav),
    ],
  };
}
