import type { Catalog } from '../../catalog/types.ts';
import type { ApiKey } from '../../keys/types.ts';
import type { Partner } from '../../partners/types.ts';
import { ActionId, BlockId, CallbackId } from '../ui/ids.ts';
import { code, escapeMrkdwn } from '../ui/escape.ts';
import { actorRef, lastUsedText, plural, slackDate, statusText } from '../ui/format.ts';
import {
  type Block,
  LIMITS,
  type ModalView,
  actions,
  button,
  chunkLines,
  context,
  modal,
  mrkdwn,
  option,
  plain,
  section,
} from './kit.ts';
import { type DeliveryOffer, deliveryChoiceBlocks } from './delivery-blocks.ts';
import { pickerBlocks } from './permission-picker.ts';
import type { Selection } from './selection.ts';

export interface KeyUsage {
  lastUsedAt: Date | null;
  /** null: not known (usage recording unavailable). */
  allowedLast7Days: number | null;
  deniedLast7Days: number | null;
}

function counts(usage: KeyUsage): string {
  return usage.allowedLast7Days === null
    ? 'not recorded'
    : `${usage.allowedLast7Days} allowed, ${usage.deniedLast7Days ?? 0} denied`;
}

/** The partner select switches to a searched (external) select past this many partners. */
export const STATIC_PARTNER_LIMIT = LIMITS.selectOptions - 1;
export const NO_PARTNER = 'none';

export const SEED_IN_USE_WARNING =
  'Making changes to the permissions of an API key that is in use may impact internal or third-party tools that rely on data called from the API. To avoid service disruptions, check with your development team or integration partner before changing a key’s permissions.';

export function partnerOption(partner: Pick<Partner, 'id' | 'name'>) {
  return option(partner.name, partner.id);
}

const noPartnerOption = () => option('None (no partner)', NO_PARTNER);

/** Step 1 of the seed's flow: "Create New Credential". */
export function createKeyView(input: {
  catalog: Catalog;
  partners: readonly Partner[];
  partner: Pick<Partner, 'id' | 'name'> | undefined;
  description: string | undefined;
  revision: number;
  privateMetadata: string;
  /** The chosen partner's encrypted hand-over, when it has a PGP key and contacts (or why not). */
  delivery?: DeliveryOffer | undefined;
}): ModalView {
  const { catalog, partners, partner, revision } = input;
  const initialPartner = partner === undefined ? noPartnerOption() : partnerOption(partner);
  const partnerElement =
    partners.length <= STATIC_PARTNER_LIMIT
      ? {
          type: 'static_select' as const,
          action_id: ActionId.createPartner,
          placeholder: plain('Choose a partner'),
          options: [noPartnerOption(), ...partners.map(partnerOption)],
          initial_option: initialPartner,
        }
      : {
          type: 'external_select' as const,
          action_id: ActionId.createPartner,
          placeholder: plain('Type to search partners'),
          min_query_length: 0,
          initial_option: initialPartner,
        };
  const blocks: Block[] = [
    section(
      `Create a key for the *${escapeMrkdwn(catalog.name)}* API. If a partner asked for it, pick them: their preset permissions are checked for you in the next step.`,
    ),
    {
      type: 'input',
      block_id: BlockId.apiType,
      label: plain('API Type'),
      element: {
        type: 'static_select',
        action_id: ActionId.input,
        options: [option(catalog.name, 'catalog')],
        initial_option: option(catalog.name, 'catalog'),
      },
    },
    {
      type: 'input',
      block_id: BlockId.partner,
      dispatch_action: true,
      optional: true,
      label: plain('Partner'),
      hint: plain('Not listed? Leave it on None and choose the permissions yourself in the next step.'),
      element: partnerElement,
    },
    ...deliveryChoiceBlocks(input.delivery, revision),
    {
      type: 'input',
      block_id: `${BlockId.description}.${revision}`,
      optional: true,
      label: plain('Description'),
      hint: plain(
        partner === undefined
          ? `Required without a partner. With a partner it defaults to "<Partner> ${catalog.name} API Key".`
          : `Defaults to "${partner.name} ${catalog.name} API Key".`,
      ),
      element: {
        type: 'plain_text_input',
        action_id: ActionId.input,
        max_length: 255,
        placeholder: plain(`e.g. Acme ${catalog.name} API Key`),
        ...(input.description === undefined || input.description === '' ? {} : { initial_value: input.description }),
      },
    },
  ];
  return modal({
    callbackId: CallbackId.create,
    title: 'Create New Credential',
    submit: 'Manage Permissions',
    close: 'Cancel',
    blocks,
    privateMetadata: input.privateMetadata,
  });
}

/** Step 2: "Manage Permissions", the partner's preset pre-checked. */
export function permissionsView(input: {
  catalog: Catalog;
  description: string;
  partnerName: string | undefined;
  presetSize: number;
  selection: Selection;
  page: number;
  revision: number;
  privateMetadata: string;
  /** The contact the key will be sent to, encrypted, instead of being shown. */
  deliverTo?: string | null | undefined;
}): ModalView {
  const about = [
    `*Key:* ${escapeMrkdwn(input.description)}`,
    `*Partner:* ${input.partnerName === undefined ? 'none' : escapeMrkdwn(input.partnerName)}`,
    ...(input.deliverTo == null ? [] : [`*Hand-over:* :closed_lock_with_key: encrypted to <@${input.deliverTo}>`]),
  ].join('   ·   ');
  const blocks: Block[] = [
    section(about),
    context(
      input.partnerName === undefined
        ? 'No partner preset: tick the endpoints this key needs.'
        : `${escapeMrkdwn(input.partnerName)}’s preset (${plural(input.presetSize, 'endpoint')}) is pre-checked. Confirm it or adjust it.`,
    ),
    ...pickerBlocks(input.catalog, input.selection, input.page, input.revision),
  ];
  return modal({
    callbackId: CallbackId.permissions,
    title: 'Manage Permissions',
    submit: 'Save',
    close: 'Cancel',
    blocks,
    privateMetadata: input.privateMetadata,
  });
}

/**
 * The one place a secret is ever shown. It lives only in this view: the button replaces the view, and closing it
 * drops it; `private_metadata` holds the key id only.
 */
export function showOnceView(input: { key: ApiKey; secret: string; replaced?: ApiKey | undefined }): ModalView {
  const { key, secret } = input;
  const blocks: Block[] = [
    section(
      input.replaced === undefined
        ? ':key: *Copy this API key now.* It is shown only this once: after you close this dialog it cannot be shown again.'
        : `:key: *Copy the new API key now.* It replaces ${code(input.replaced.id)}, which ${
            input.replaced.status === 'revoked'
              ? 'is revoked now'
              : `keeps working until ${slackDate(input.replaced.revokeAt ?? new Date())}`
          }. It is shown only this once.`,
    ),
    section(`\`\`\`${secret}\`\`\``),
    {
      type: 'section',
      fields: [
        mrkdwn(`*Key id*\n${code(key.id)}`),
        mrkdwn(`*Description*\n${escapeMrkdwn(key.description)}`),
        mrkdwn(`*Partner*\n${key.partnerName === null ? 'none' : escapeMrkdwn(key.partnerName)}`),
        mrkdwn(`*Permissions*\n${key.permissions.length}`),
      ],
    },
    context(
      'Store it in a secure location and hand it over through a secure channel (a PGP-encrypted message or a secret manager), not plain email or chat. If it is lost, replace the key.',
    ),
    actions([button('I have stored the API Key', ActionId.keyStored, key.id, { style: 'primary' })]),
  ];
  return modal({
    callbackId: CallbackId.showOnce,
    title: input.replaced === undefined ? 'API Key Created' : 'API Key Replaced',
    close: 'Close',
    blocks,
    privateMetadata: JSON.stringify({ k: key.id }),
    notifyOnClose: true,
  });
}

export function storedView(key: ApiKey): ModalView {
  return modal({
    callbackId: CallbackId.notice,
    title: 'API Key Stored',
    close: 'Done',
    blocks: [
      section(
        `:white_check_mark: *${escapeMrkdwn(key.description)}* (${code(key.id)}) is ready with ${plural(key.permissions.length, 'permission')}. Its secret is no longer shown anywhere.`,
      ),
    ],
  });
}

function usageLines(usage: KeyUsage): string {
  return `*Last used:* ${lastUsedText(usage.lastUsedAt)}   ·   *Last 7 days:* ${counts(usage)}`;
}

export function isInUse(usage: KeyUsage, now: Date): boolean {
  const recent = usage.lastUsedAt !== null && now.getTime() - usage.lastUsedAt.getTime() < 30 * 24 * 3600 * 1000;
  return recent || (usage.allowedLast7Days ?? 0) + (usage.deniedLast7Days ?? 0) > 0;
}

function keyTitle(key: ApiKey): string {
  return `*${escapeMrkdwn(key.description)}*  ${code(key.id)}`;
}

export function editKeyView(input: {
  catalog: Catalog;
  key: ApiKey;
  usage: KeyUsage;
  description: string;
  selection: Selection;
  page: number;
  revision: number;
  now: Date;
  privateMetadata: string;
}): ModalView {
  const { key, usage } = input;
  const blocks: Block[] = [
    section(
      `${keyTitle(key)}\n*Partner:* ${key.partnerName === null ? 'none' : escapeMrkdwn(key.partnerName)}   ·   ${statusText(key, input.now)}`,
    ),
    section(usageLines(usage)),
    context(`${isInUse(usage, input.now) ? ':warning: *This key is in use.* ' : ''}${SEED_IN_USE_WARNING}`),
    ...(key.legacy
      ? [
          context(
            '*Legacy key:* it may also call every endpoint that existed at the legacy cutoff. Those are not listed below and cannot be removed here; replace the key to turn them into explicit permissions.',
          ),
        ]
      : []),
    {
      type: 'input',
      block_id: BlockId.description,
      label: plain('Description'),
      element: {
        type: 'plain_text_input',
        action_id: ActionId.input,
        max_length: 255,
        initial_value: input.description,
      },
    },
    ...pickerBlocks(input.catalog, input.selection, input.page, input.revision),
  ];
  return modal({
    callbackId: CallbackId.edit,
    title: 'Edit API Key',
    submit: 'Review changes',
    close: 'Cancel',
    blocks,
    privateMetadata: input.privateMetadata,
  });
}

const MAX_DIFF_LINES = 300;

function diffBlocks(title: string, labels: readonly string[], marker: string): Block[] {
  if (labels.length === 0) return [];
  const shown = labels.slice(0, MAX_DIFF_LINES).map((label) => `${marker} ${escapeMrkdwn(label)}`);
  if (labels.length > shown.length) shown.push(`…and ${labels.length - shown.length} more`);
  const chunks = chunkLines(shown);
  return chunks.map((text, i) => section(i === 0 ? `*${title} (${labels.length})*\n${text}` : text));
}

export function editConfirmView(input: {
  key: ApiKey;
  catalog: Catalog;
  description: string;
  added: readonly string[];
  removed: readonly string[];
  usage: KeyUsage;
  now: Date;
  privateMetadata: string;
}): ModalView {
  const label = (id: string) => input.catalog.byId.get(id)?.label ?? id;
  const blocks: Block[] = [section(`Review the changes to ${keyTitle(input.key)} before saving.`)];
  if (input.description !== input.key.description) {
    blocks.push(
      section(`*Description*\n~${escapeMrkdwn(input.key.description)}~\n→ ${escapeMrkdwn(input.description)}`),
    );
  }
  blocks.push(...diffBlocks('Added permissions', input.added.map(label), ':heavy_plus_sign:'));
  blocks.push(...diffBlocks('Removed permissions', input.removed.map(label), ':heavy_minus_sign:'));
  if (input.removed.length > 0 && isInUse(input.usage, input.now)) {
    blocks.push(
      context(
        `:warning: This key is in use (last used ${lastUsedText(input.usage.lastUsedAt)}): removing permissions can break the integration that relies on it.`,
      ),
    );
  }
  return modal({
    callbackId: CallbackId.editConfirm,
    title: 'Confirm Changes',
    submit: 'Save',
    close: 'Back',
    blocks,
    privateMetadata: input.privateMetadata,
  });
}

function keyFacts(key: ApiKey, usage: KeyUsage): Block {
  return {
    type: 'section',
    fields: [
      mrkdwn(`*Partner*\n${key.partnerName === null ? 'none' : escapeMrkdwn(key.partnerName)}`),
      mrkdwn(`*Last used*\n${lastUsedText(usage.lastUsedAt)}`),
      mrkdwn(`*Last 7 days*\n${counts(usage)}`),
      mrkdwn(`*Created*\n${slackDate(key.createdAt)} by ${actorRef(key.createdBy)}`),
    ],
  };
}

export const REVOKE_REASONS = [
  { value: 'lost', text: 'Lost or possibly leaked' },
  { value: 'unused', text: 'No longer needed' },
  { value: 'partner', text: 'Partner relationship ended' },
  { value: 'other', text: 'Other' },
] as const;

export function revokeView(key: ApiKey, usage: KeyUsage, now: Date): ModalView {
  return modal({
    callbackId: CallbackId.revoke,
    title: 'Revoke API Key',
    close: 'Cancel',
    privateMetadata: JSON.stringify({ k: key.id }),
    blocks: [
      section(
        `:warning: Revoke ${keyTitle(key)}? Revoking immediately removes access to the key’s endpoints for every user and integration.`,
      ),
      keyFacts(key, usage),
      context(
        isInUse(usage, now)
          ? `:warning: *This key is in use* (last used ${lastUsedText(usage.lastUsedAt)}). Double-check it is not in active use.`
          : 'Double-check the key you are revoking to make sure it is not in active use.',
      ),
      actions(
        [
          {
            type: 'static_select',
            action_id: ActionId.revokeReason,
            placeholder: plain('Reason (optional)'),
            options: REVOKE_REASONS.map((r) => option(r.text, r.value)),
          },
          button('Revoke key', ActionId.revokeConfirm, key.id, { style: 'danger' }),
        ],
        BlockId.revokeReason,
      ),
    ],
  });
}

export function enableView(key: ApiKey, usage: KeyUsage): ModalView {
  return modal({
    callbackId: CallbackId.enable,
    title: 'Re-enable API Key',
    close: 'Cancel',
    privateMetadata: JSON.stringify({ k: key.id }),
    blocks: [
      section(
        `Re-enable ${keyTitle(key)}? It works again right away with its ${plural(key.permissions.length, 'permission')}${
          key.revokeAt !== null && key.status === 'active' ? ', and its scheduled revocation is cancelled' : ''
        }.`,
      ),
      keyFacts(key, usage),
      ...(key.revokedAt === null
        ? []
        : [
            context(
              `Revoked ${slackDate(key.revokedAt)} by ${actorRef(key.revokedBy ?? 'unknown')}${key.revokeReason === null ? '' : `: ${escapeMrkdwn(key.revokeReason)}`}`,
            ),
          ]),
      actions([button('Re-enable key', ActionId.enableConfirm, key.id, { style: 'primary' })]),
    ],
  });
}

export const GRACE_CHOICES = [
  { value: '0', text: 'Now: the old key stops working immediately' },
  { value: '3600', text: 'In 1 hour' },
  { value: '86400', text: 'In 24 hours' },
  { value: '604800', text: 'In 7 days' },
] as const;

export function replaceView(key: ApiKey, usage: KeyUsage, delivery?: DeliveryOffer | undefined): ModalView {
  const choices = GRACE_CHOICES.map((c) => option(c.text, c.value));
  const encrypted = delivery?.ready === true;
  return modal({
    callbackId: CallbackId.replace,
    title: 'Replace API Key',
    submit: 'Replace',
    close: 'Cancel',
    privateMetadata: JSON.stringify({ k: key.id }),
    blocks: [
      section(
        `Replace ${keyTitle(key)} with a new key that has the same ${plural(key.permissions.length, 'permission')} and partner. The new key is ${encrypted ? 'sent encrypted to the partner contact or ' : ''}shown once; the old key is revoked when the grace period ends.`,
      ),
      keyFacts(key, usage),
      {
        type: 'input',
        block_id: BlockId.grace,
        label: plain('Revoke the old key'),
        hint: plain(
          'A grace period lets the integration switch to the new key first. Choose Now if the old key may have leaked.',
        ),
        element: { type: 'radio_buttons', action_id: ActionId.input, options: choices, initial_option: choices[0] },
      },
      ...deliveryChoiceBlocks(delivery, 0),
    ],
  });
}

export function noticeView(title: string, text: string): ModalView {
  return modal({ callbackId: CallbackId.notice, title, close: 'Close', blocks: [section(text)] });
}

export function keyResultView(title: string, text: string): ModalView {
  return modal({ callbackId: CallbackId.notice, title, close: 'Done', blocks: [section(text)] });
}

/** Edit refused because the key changed since the dialog opened (another admin, another tab). */
export function staleEditText(keyId: string): string {
  return `:warning: Someone else changed ${code(keyId)} since you opened it. Nothing was saved and their change was not overwritten: open Edit again to see the key as it is now.`;
}
