import type { Catalog } from '../../catalog/types.ts';
import type { Partner } from '../../partners/types.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { plural } from '../ui/format.ts';
import { ActionId, API_TYPE_CLIENT, API_TYPE_KEY, BlockId, CallbackId } from '../ui/ids.ts';
import { type DeliveryOffer, deliveryChoiceBlocks } from './delivery-blocks.ts';
import { type Block, context, LIMITS, type ModalView, modal, option, plain, section } from './kit.ts';
import { type Hold, holdBlocks, submitLabel } from './approval-notice.ts';
import { type PickerFilter, pickerBlocks } from './permission-picker.ts';
import type { Selection } from './selection.ts';
import { KEY_NETWORKS_HINT, networksInput, networksSummary } from './network-blocks.ts';

/** The partner select switches to a searched (external) select past this many partners. */
export const STATIC_PARTNER_LIMIT = LIMITS.selectOptions - 1;
export const NO_PARTNER = 'none';

export function partnerOption(partner: Pick<Partner, 'id' | 'name'>) {
  return option(partner.name, partner.id);
}

const noPartnerOption = () => option('None (no partner)', NO_PARTNER);

/** The seed's "API Type" choices: a key (as before), or a Harvest v3 OAuth client. */
function apiTypeOptions(apiName: string) {
  return [option(apiName, API_TYPE_KEY), option(`${apiName} v3 (OAuth)`, API_TYPE_CLIENT)];
}

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
  /** Set when the new key will wait for approval: said here, before the admin fills anything in. */
  hold?: Hold;
  /** The Expires field (expiry-blocks.ts). */
  expiry?: Block | undefined;
  /** The allowed networks field's starting lines: the chosen partner's defaults. */
  networks?: readonly string[] | undefined;
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
    ...holdBlocks(input.hold, 'create'),
    {
      type: 'input',
      block_id: BlockId.apiType,
      label: plain('API Type'),
      hint: plain(
        `${catalog.name}: an API key, sent with every request. ${catalog.name} v3 (OAuth): a client id and secret, exchanged at POST /oauth/token for access tokens.`,
      ),
      element: {
        type: 'static_select',
        action_id: ActionId.input,
        options: apiTypeOptions(catalog.name),
        initial_option: apiTypeOptions(catalog.name)[0],
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
      // Required without a partner (Slack marks nothing); with one it has a default, and Slack says "(optional)".
      optional: partner !== undefined,
      label: plain('Description'),
      hint: plain(
        partner === undefined
          ? `What the key is for, so people can tell it apart. Picking a partner fills in "<Partner> ${catalog.name} API Key".`
          : `Leave it empty for "${partner.name} ${catalog.name} API Key".`,
      ),
      element: {
        type: 'plain_text_input',
        action_id: ActionId.input,
        max_length: 255,
        placeholder: plain(`e.g. Acme ${catalog.name} API Key`),
        ...(input.description === undefined || input.description === '' ? {} : { initial_value: input.description }),
      },
    },
    ...(input.expiry === undefined ? [] : [input.expiry]),
    networksInput({
      networks: input.networks ?? [],
      revision,
      hint:
        partner === undefined || (input.networks ?? []).length === 0
          ? KEY_NETWORKS_HINT
          : `${partner.name}'s default networks. ${KEY_NETWORKS_HINT}`,
    }),
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

export const EMPTY_CREATE_WARNING =
  ':warning: *No permissions are ticked.* A key without permissions is refused on every endpoint. Tick what it needs, or press the button again to create it with none.';

/** Step 2: "Manage Permissions", the partner's preset pre-checked. */
export function permissionsView(input: {
  catalog: Catalog;
  description: string;
  partnerName: string | undefined;
  presetSize: number;
  selection: Selection;
  page: number;
  revision: number;
  /** What the picker shows (a resource, a search); everything when absent. */
  filter?: PickerFilter | undefined;
  privateMetadata: string;
  /** The contact the key will be sent to, encrypted, instead of being shown. */
  deliverTo?: string | null | undefined;
  hold?: Hold;
  /** Save was pressed with nothing ticked: ask again before making a key that is refused on every endpoint. */
  confirmEmpty?: boolean | undefined;
  /** The chosen lifetime in words ("in 90 days", "never"). */
  expires?: string | undefined;
  /** The networks the key will be limited to (none: any address). */
  networks?: readonly string[] | undefined;
  /** A Harvest v3 (OAuth) client is made, not a key. */
  client?: boolean | undefined;
}): ModalView {
  const about = [
    input.client === true
      ? `*${escapeMrkdwn(input.catalog.name)} v3 (OAuth) client:* ${escapeMrkdwn(input.description)}`
      : `*Key:* ${escapeMrkdwn(input.description)}`,
    `*Partner:* ${input.partnerName === undefined ? 'none' : escapeMrkdwn(input.partnerName)}`,
    ...(input.expires === undefined ? [] : [`*Expires:* ${input.expires}`]),
    ...(input.deliverTo == null ? [] : [`*Hand-over:* :closed_lock_with_key: encrypted to <@${input.deliverTo}>`]),
    ...((input.networks ?? []).length === 0 ? [] : [`*Usable from:* ${networksSummary(input.networks ?? [])}`]),
  ].join('   ·   ');
  const blocks: Block[] = [
    ...(input.confirmEmpty === true ? [section(EMPTY_CREATE_WARNING)] : []),
    section(about),
    ...holdBlocks(input.hold, 'create'),
    context(
      input.partnerName === undefined
        ? 'No partner preset: tick the endpoints this key needs.'
        : `${escapeMrkdwn(input.partnerName)}’s preset (${plural(input.presetSize, 'endpoint')}) is pre-checked. Confirm it or adjust it.`,
    ),
    ...pickerBlocks(input.catalog, input.selection, {
      page: input.page,
      revision: input.revision,
      filter: input.filter,
    }),
  ];
  return modal({
    callbackId: CallbackId.permissions,
    title: 'Manage Permissions',
    submit: submitLabel(input.hold, input.confirmEmpty === true ? 'Create anyway' : 'Save'),
    close: 'Cancel',
    blocks,
    privateMetadata: input.privateMetadata,
  });
}
