import type { Catalog } from '../../catalog/types.ts';
import type { PartnerPgpKey } from '../../partners/partner-pgp-key.ts';
import type { Partner } from '../../partners/types.ts';
import type { RoleGrant } from '../../roles/types.ts';
import { ActionId, BlockId, CallbackId } from '../ui/ids.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { actorRef, plural, slackDate } from '../ui/format.ts';
import { type Block, type ModalView, button, confirm, context, divider, modal, option, plain, section } from './kit.ts';
import { type PickerFilter, pickerBlocks } from './permission-picker.ts';
import { partnerPgpBlocks } from './pgp-views.ts';
import type { Selection } from './selection.ts';

/** Rows a list modal shows; the rest is named, so nobody mistakes a cut list for the whole. */
export const ADMIN_LIST_LIMIT = 80;

export function partnersView(partners: readonly Partner[], notice?: string): ModalView {
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
        `*${escapeMrkdwn(partner.name)}*\nPreset: ${plural(partner.preset.length, 'endpoint')}   ·   Contacts: ${contacts}`,
        {
          accessory: button('Edit', ActionId.partnerEdit, partner.id),
        },
      ),
    );
  }
  if (partners.length === 0) blocks.push(context('No partners yet.'));
  if (partners.length > ADMIN_LIST_LIMIT) {
    blocks.push(
      context(
        `${partners.length - ADMIN_LIST_LIMIT} more partners are not shown: \`harvest-keys partner list\` lists them all.`,
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
    ...(input.pgp === undefined ? [] : partnerPgpBlocks(input.partner, input.pgp.key)),
    context('*Preset permissions:* checked automatically when someone creates a key for this partner.'),
    ...pickerBlocks(input.catalog, input.selection, {
      page: input.page,
      revision: input.revision,
      filter: input.filter,
    }),
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

export function rolesView(input: {
  grants: readonly RoleGrant[];
  revision: number;
  notice?: string | undefined;
}): ModalView {
  const blocks: Block[] = [];
  if (input.notice !== undefined) blocks.push(section(input.notice));
  blocks.push(
    section('*Admins* create and change keys, partners and roles. *Approvers* decide on approval requests.'),
    divider(),
  );
  for (const grant of input.grants.slice(0, ADMIN_LIST_LIMIT)) {
    blocks.push(
      section(
        `<@${grant.slackUserId}>   *${grant.role}*   ·   granted ${slackDate(grant.grantedAt)} by ${actorRef(grant.grantedBy)}`,
        {
          accessory: button('Remove', ActionId.roleRemove, `${grant.slackUserId}|${grant.role}`, {
            confirm: confirm(
              'Remove role?',
              `Remove the ${grant.role} role from this person? They lose its rights right away.`,
              'Remove',
              'danger',
            ),
          }),
        },
      ),
    );
  }
  if (input.grants.length === 0) blocks.push(context('Nobody has a role yet.'));
  if (input.grants.length > ADMIN_LIST_LIMIT) {
    blocks.push(
      context(
        `${input.grants.length - ADMIN_LIST_LIMIT} more are not shown: \`harvest-keys role list\` lists them all.`,
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
