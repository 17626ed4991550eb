import { networksInput, PARTNER_NETWORKS_HINT } from './network-blocks.ts';
import type { Catalog } from '../../catalog/types.ts';
import type { PartnerPgpKey, PgpStatus } from '../../partners/partner-pgp-key.ts';
import type { Partner } from '../../partners/types.ts';
import type { RoleGrant } from '../../roles/types.ts';
import { ActionId, BlockId, CallbackId } from '../ui/ids.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { actorRef, plural, slackDate } from '../ui/format.ts';
import {
  type Block,
  type ModalView,
  actions,
  button,
  confirm,
  context,
  divider,
  modal,
  option,
  plain,
  section,
} from './kit.ts';
import { type PickerFilter, pickerBlocks } from './permission-picker.ts';
import { partnerPgpBlocks } from './pgp-views.ts';
import type { Selection } from './selection.ts';

/** Rows a list modal shows; the rest is named, so nobody mistakes a cut list for the whole. */
export const ADMIN_LIST_LIMIT = 80;

/** The partners list's line about a partner's PGP key: none, unconfirmed or confirmed, and its expiry. */
export function pgpStatusText(status: PgpStatus): string {
  switch (status.kind) {
    case 'none':
      return 'PGP key: none';
    case 'unconfirmed':
    case 'confirmed': {
      const label = status.kind === 'confirmed' ? ':white_check_mark: confirmed' : ':warning: not confirmed';
      const expiry =
        status.expiresAt === null
          ? ''
          : status.expired
            ? `, *expired* ${slackDate(status.expiresAt)}`
            : `, expires ${slackDate(status.expiresAt)}`;
      return `PGP key: ${label}${expiry}`;
    }
    default:
      return status satisfies never;
  }
}

/**
 * The partners dialog: one row per partner (preset, contacts, PGP key status) with its Edit button. `pgp` holds the
 * statuses by partner id (absent: no key); `archived` counts the archived partners left out of the list.
 */
export function partnersView(
  partners: readonly Partner[],
  notice?: string,
  extra: { pgp?: ReadonlyMap<string, PgpStatus>; archived?: number } = {},
): ModalView {
  const blocks: Block[] = [];
  if (notice !== undefined) blocks.push(section(notice));
  blocks.push(
    section(
      'A partner’s *preset* is checked for you when a key is created for them; its *contacts* are the people at the partner who receive keys.',
      { accessory: button('Add partner', ActionId.partnerAdd, 'add', { style: 'primary' }) },
    ),
    divider(),
  );
  for (const partner of partners.slice(0, ADMIN_LIST_LIMIT)) {
    const contacts =
      partner.contactSlackUserIds.length === 0
        ? 'no contacts'
        : partner.contactSlackUserIds.map((u) => `<@${u}>`).join(', ');
    blocks.push(
      section(
        `*${escapeMrkdwn(partner.name)}*\nPreset: ${plural(partner.preset.length, 'endpoint')}   ·   Contacts: ${contacts}` +
          (extra.pgp === undefined ? '' : `\n${pgpStatusText(extra.pgp.get(partner.id) ?? { kind: 'none' })}`),
        {
          accessory: button('Edit', ActionId.partnerEdit, partner.id),
        },
      ),
    );
  }
  if (partners.length === 0) blocks.push(context((extra.archived ?? 0) > 0 ? 'No partners.' : 'No partners yet.'));
  if (partners.length > ADMIN_LIST_LIMIT) {
    blocks.push(
      context(
        `${plural(partners.length - ADMIN_LIST_LIMIT, 'more partner')} not shown: \`harvest-keys partner list\` lists them all.`,
      ),
    );
  }
  if ((extra.archived ?? 0) > 0) {
    blocks.push(
      context(
        `${plural(extra.archived ?? 0, 'archived partner')} not shown: \`harvest-keys partner list --archived\` lists them, \`harvest-keys partner unarchive <name>\` restores one.`,
      ),
    );
  }
  return modal({ callbackId: CallbackId.partners, title: 'Partners', close: 'Close', blocks });
}

export function partnerFormView(input: {
  catalog: Catalog;
  partner: Partner | undefined;
  name: string;
  contacts: readonly string[];
  selection: Selection;
  page: number;
  revision: number;
  /** What the picker shows (a resource, a search); everything when absent. */
  filter?: PickerFilter | undefined;
  privateMetadata: string;
  /** The partner's PGP key (`key` undefined: none yet); absent when PGP keys are not managed here. */
  pgp?: { key: PartnerPgpKey | undefined } | undefined;
}): ModalView {
  const blocks: Block[] = [
    {
      type: 'input',
      block_id: BlockId.partnerName,
      label: plain('Partner name'),
      element: {
        type: 'plain_text_input',
        action_id: ActionId.input,
        max_length: 80,
        ...(input.name === '' ? {} : { initial_value: input.name }),
      },
    },
    {
      type: 'input',
      block_id: BlockId.partnerContacts,
      optional: true,
      label: plain('Contacts'),
      hint: plain('People at the partner who receive its keys (Slack Connect users work too).'),
      element: {
        type: 'multi_users_select',
        action_id: ActionId.input,
        max_selected_items: 20,
        ...(input.contacts.length === 0 ? {} : { initial_users: [...input.contacts] }),
      },
    },
    networksInput({ networks: input.partner?.defaultNetworks ?? [], hint: PARTNER_NETWORKS_HINT }),
    ...(input.pgp === undefined ? [] : partnerPgpBlocks(input.partner, input.pgp.key)),
    context('*Preset permissions:* checked automatically when someone creates a key for this partner.'),
    ...pickerBlocks(input.catalog, input.selection, {
      page: input.page,
      revision: input.revision,
      filter: input.filter,
    }),
    ...(input.partner === undefined ? [] : archiveBlocks(input.partner)),
  ];
  return modal({
    callbackId: CallbackId.partnerForm,
    title: input.partner === undefined ? 'Add Partner' : 'Edit Partner',
    submit: 'Save',
    close: 'Cancel',
    blocks,
    privateMetadata: input.privateMetadata,
  });
}

/** The end of an existing partner's form: archiving it, behind a confirmation that says what it does and not. */
function archiveBlocks(partner: Pick<Partner, 'id' | 'name'>): Block[] {
  return [
    divider(),
    actions(
      [
        button('Archive partner', ActionId.partnerArchive, partner.id, {
          style: 'danger',
          confirm: confirm(
            'Archive partner?',
            `Archive ${partner.name}? It leaves the partner list and the create dialog, and no new keys can be made for it. Its keys keep working (revoke them to stop them) and keep their history.`,
            'Archive',
            'danger',
          ),
        }),
      ],
      BlockId.partnerArchive,
    ),
  ];
}

export function rolesView(input: {
  grants: readonly RoleGrant[];
  revision: number;
  /** Who is looking: their own admin grant gets no Remove (the service refuses it), and a word on why. */
  viewer: string;
  notice?: string | undefined;
}): ModalView {
  const blocks: Block[] = [];
  if (input.notice !== undefined) blocks.push(section(input.notice));
  blocks.push(
    section('*Admins* create and change keys, partners and roles. *Approvers* decide on approval requests.'),
    divider(),
  );
  const admins = input.grants.filter((g) => g.role === 'admin').length;
  for (const grant of input.grants.slice(0, ADMIN_LIST_LIMIT)) {
    const own = grant.slackUserId === input.viewer;
    const line = `<@${grant.slackUserId}>${own ? ' (you)' : ''}   *${grant.role}*   ·   granted ${slackDate(grant.grantedAt)} by ${actorRef(grant.grantedBy)}`;
    if (own && grant.role === 'admin') {
      // Nobody removes their own admin role, so the app always keeps an admin: say so instead of a dead button.
      blocks.push(
        section(
          `${line}\n_${
            admins === 1
              ? 'You are the only admin: grant the admin role to someone else before anyone can remove yours.'
              : 'Another admin can remove your admin role; you cannot remove it yourself.'
          }_`,
        ),
      );
      continue;
    }
    blocks.push(
      section(line, {
        accessory: button('Remove', ActionId.roleRemove, `${grant.slackUserId}|${grant.role}`, {
          confirm: confirm(
            'Remove role?',
            own
              ? `Remove your own ${grant.role} role? You lose its rights right away.`
              : `Remove the ${grant.role} role from this person? They lose its rights right away.`,
            'Remove',
            'danger',
          ),
        }),
      }),
    );
  }
  if (input.grants.length === 0) blocks.push(context('Nobody has a role yet.'));
  if (input.grants.length > ADMIN_LIST_LIMIT) {
    blocks.push(
      context(
        `${plural(input.grants.length - ADMIN_LIST_LIMIT, 'more grant')} not shown: \`harvest-keys role list\` lists them all.`,
      ),
    );
  }
  blocks.push(
    divider(),
    {
      type: 'input',
      block_id: `${BlockId.roleUsers}.${input.revision}`,
      label: plain('Grant a role to'),
      element: { type: 'multi_users_select', action_id: ActionId.input, max_selected_items: 10 },
    },
    {
      type: 'input',
      block_id: `${BlockId.roleKind}.${input.revision}`,
      label: plain('Role'),
      element: {
        type: 'radio_buttons',
        action_id: ActionId.input,
        options: [
          option('Admin', 'admin', 'keys, partners and roles'),
          option('Approver', 'approver', 'approval requests'),
        ],
      },
    },
  );
  return modal({
    callbackId: CallbackId.roles,
    title: 'Roles',
    submit: 'Grant role',
    close: 'Close',
    blocks,
    privateMetadata: JSON.stringify({ r: input.revision }),
  });
}
