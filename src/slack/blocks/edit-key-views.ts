import type { Catalog } from '../../catalog/types.ts';
import { isInUse, type KeyUsage } from '../../keys/key-usage.ts';
import type { LegacyRule } from '../../keys/legacy-rule.ts';
import type { ApiKey } from '../../keys/types.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { type KeyNameFields, keyName, lastUsedText, plural, slackDate, statusText } from '../ui/format.ts';
import { ActionId, BlockId, CallbackId } from '../ui/ids.ts';
import { keyTitle, usageLine } from './key-facts.ts';
import { legacyRuleSection } from './legacy-blocks.ts';
import { type Block, chunkLines, context, type ModalView, modal, plain, section } from './kit.ts';
import { type Hold, holdBlocks, submitLabel } from './approval-notice.ts';
import { permissionLines } from './permission-lines.ts';
import { type PickerFilter, pickerBlocks } from './permission-picker.ts';
import type { Selection } from './selection.ts';
import { KEY_NETWORKS_HINT, networkDiffBlocks, networksInput } from './network-blocks.ts';

export const SEED_IN_USE_WARNING =
  'Making changes to the permissions of an API key that is in use may impact internal or third-party tools that rely on data called from the API. To avoid service disruptions, check with your development team or integration partner before changing a key’s permissions.';

export function editKeyView(input: {
  catalog: Catalog;
  legacyRule: LegacyRule;
  key: ApiKey;
  usage: KeyUsage;
  description: string;
  selection: Selection;
  page: number;
  revision: number;
  /** What the picker shows (a resource, a search); everything when absent. */
  filter?: PickerFilter | undefined;
  now: Date;
  privateMetadata: string;
  hold?: Hold;
  /** The Expires field (expiry-blocks.ts). */
  expiry?: Block | undefined;
}): ModalView {
  const { key, usage } = input;
  const blocks: Block[] = [
    section(
      `${keyTitle(key)}\n*Partner:* ${key.partnerName === null ? 'none' : escapeMrkdwn(key.partnerName)}   ·   ${statusText(key, input.now)}`,
    ),
    section(usageLine(usage)),
    ...holdBlocks(input.hold, 'permissions'),
    context(`${isInUse(usage, input.now) ? ':warning: *This key is in use.* ' : ''}${SEED_IN_USE_WARNING}`),
    ...(key.legacy
      ? [
          legacyRuleSection(key, input.legacyRule),
          context(
            'The boxes below are its explicit grants. The legacy endpoints are not ticked there and cannot be removed here: “Convert to explicit permissions” in the key’s view (`show`) keeps the ones it called as explicit grants, and replacing the key turns all of them into explicit grants of the new key.',
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
    ...(input.expiry === undefined ? [] : [input.expiry]),
    networksInput({ networks: key.allowedNetworks, hint: KEY_NETWORKS_HINT }),
    ...pickerBlocks(input.catalog, input.selection, {
      page: input.page,
      revision: input.revision,
      filter: input.filter,
    }),
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

/** One side of the diff, by resource: a 143-endpoint change stays a few dozen lines. */
function diffBlocks(title: string, catalog: Catalog, ids: readonly string[], marker: string): Block[] {
  if (ids.length === 0) return [];
  const chunks = chunkLines(permissionLines(catalog, ids, marker)).slice(0, 20);
  return chunks.map((text, i) => section(i === 0 ? `*${title} (${ids.length})*\n${text}` : text));
}

/** How a key in use is used: when it last got through, or, when every recent call was refused, how many were. */
function inUseText(usage: KeyUsage): string {
  return usage.lastUsedAt === null
    ? `${plural(usage.deniedLast7Days ?? 0, 'refused request')} in the last 7 days`
    : `last used ${lastUsedText(usage.lastUsedAt)}`;
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
  hold?: Hold;
  /** A new expiry (null: never); absent: unchanged. */
  expiresAt?: Date | null | undefined;
  /** The networks the edit adds and removes, and the key's list after it. */
  networks?: { added: readonly string[]; removed: readonly string[]; after: readonly string[] } | undefined;
  /** The edit ends a legacy key's implicit access. */
  endsLegacy?: boolean | undefined;
  /** Why this change is proposed (trim, legacy conversion), said first. */
  reason?: string | undefined;
  /** The close button: `Back` over Edit, `Cancel` where the review is the first dialog. */
  close?: string | undefined;
}): ModalView {
  const endsLegacy = input.endsLegacy === true && input.key.legacy;
  const blocks: Block[] = [section(`Review the changes to ${keyTitle(input.key)} before saving.`)];
  if (input.reason !== undefined) blocks.push(section(input.reason));
  const expiry = input.expiresAt === undefined ? undefined : expiryChangeOf(input.key.expiresAt, input.expiresAt);
  if (expiry !== undefined) blocks.push(section(expiry.text));
  const networks = input.networks ?? { added: [], removed: [], after: input.key.allowedNetworks };
  const networksChanged = networks.added.length + networks.removed.length > 0;
  if (input.description !== input.key.description) {
    blocks.push(
      section(`*Description*\n~${escapeMrkdwn(input.key.description)}~\n→ ${escapeMrkdwn(input.description)}`),
    );
  }
  blocks.push(...diffBlocks('Added permissions', input.catalog, input.added, ':heavy_plus_sign:'));
  blocks.push(...diffBlocks('Removed permissions', input.catalog, input.removed, ':heavy_minus_sign:'));
  if (input.removed.length > 0 && isInUse(input.usage, input.now)) {
    blocks.push(
      context(
        `:warning: This key is in use (${inUseText(input.usage)}): removing permissions can break the integration that relies on it.`,
      ),
    );
  }
  blocks.push(...networkDiffBlocks(networks.added, networks.removed, networks.after));
  if (endsLegacy) {
    const after = input.key.permissions.length + input.added.length - input.removed.length;
    blocks.push(
      section(
        `*Legacy access ends*\nThe key stops being a legacy key: afterwards it may call only its ${plural(after, 'permission')}, and every other endpoint is refused.`,
      ),
    );
  }
  if (leavesNoPermissions(input.key, input.added, input.removed, endsLegacy)) blocks.push(...emptyKeyBlocks());
  // Permission changes (networks are one: fewer limits widen what the key may do) and a longer life wait for
  // approval; a new description cannot widen anything.
  const hold =
    input.added.length + input.removed.length > 0 || networksChanged || expiry?.extended === true || endsLegacy
      ? input.hold
      : undefined;
  blocks.push(...holdBlocks(hold, 'permissions'));
  return modal({
    callbackId: CallbackId.editConfirm,
    title: 'Confirm Changes',
    submit: submitLabel(hold, 'Save'),
    close: input.close ?? 'Back',
    blocks,
    privateMetadata: input.privateMetadata,
  });
}

/**
 * The edit takes away the key's last permission: it would then be refused on every endpoint. A legacy key keeps the
 * endpoints of the legacy cutoff, so it is never left with nothing, unless the edit also ends its legacy access.
 */
export function leavesNoPermissions(
  key: ApiKey,
  added: readonly string[],
  removed: readonly string[],
  endsLegacy = false,
): boolean {
  const left = key.permissions.length - removed.length + added.length;
  if (key.legacy) return endsLegacy && left === 0;
  return removed.length > 0 && left === 0;
}

export const EMPTY_ACK_TEXT = 'Remove every permission: this key will be refused on every endpoint';

function emptyKeyBlocks(): Block[] {
  return [
    section(
      ':warning: *This leaves the key with no permissions.* Every call with it will be refused, as if it were revoked. If that is the aim, revoking says so more clearly.',
    ),
    {
      type: 'input',
      block_id: BlockId.confirmEmpty,
      label: plain('Confirm'),
      element: {
        type: 'checkboxes',
        action_id: ActionId.input,
        options: [{ text: plain(EMPTY_ACK_TEXT), value: 'yes' }],
      },
    },
  ];
}

/** A saved edit that changed the key's networks (with or without anything else). */
function networkResultText(
  before: KeyNameFields,
  after: KeyNameFields,
  permissions: string | undefined,
  networks: string,
): string {
  const changes = [permissions, networks].filter((c) => c !== undefined).join('; ');
  const head =
    before.description !== after.description
      ? `:pencil2: Renamed ${keyName(before)} to *${escapeMrkdwn(after.description)}*; ${changes}.`
      : `:pencil2: Saved ${keyName(after)}: ${changes}.`;
  return `${head} The change is effective right away.`;
}

/** Edit refused because the key changed since the dialog opened (another admin, another tab). */
export function staleEditText(key: KeyNameFields): string {
  return `:warning: Someone else changed ${keyName(key)} since you opened it. Nothing was saved and their change was not overwritten: open Edit again to see the key as it is now.`;
}

/** What a saved edit did, saying only what changed: "Renamed … to …", "2 permissions added, 1 removed". */
export function editResultText(input: {
  before: KeyNameFields;
  after: KeyNameFields;
  added: number;
  removed: number;
  /** Set when the expiry changed. */
  expiresAt?: Date | null | undefined;
  /** Networks added and removed (absent: none). */
  networks?: { added: number; removed: number } | undefined;
  /** The key stopped being a legacy key, and how many permissions it has now. */
  endedLegacy?: { permissions: number } | undefined;
}): string {
  const { before, after, added, removed } = input;
  if (input.endedLegacy !== undefined) {
    return `:pencil2: Converted ${keyName(after)} to explicit permissions: ${plural(added, 'permission')} added${removed > 0 ? `, ${removed} removed` : ''}, and its legacy access has ended. It may call only its ${plural(input.endedLegacy.permissions, 'permission')} now.`;
  }
  const permissionWords =
    added > 0 && removed > 0
      ? `${plural(added, 'permission')} added, ${removed} removed`
      : added > 0
        ? `${plural(added, 'permission')} added`
        : removed > 0
          ? `${plural(removed, 'permission')} removed`
          : undefined;
  const expiryWords =
    input.expiresAt === undefined
      ? undefined
      : input.expiresAt === null
        ? 'it no longer expires'
        : `it now expires ${slackDate(input.expiresAt)}`;
  const parts = [permissionWords, expiryWords].filter((p) => p !== undefined);
  const permissions = parts.length === 0 ? undefined : parts.join('; ');
  const net = input.networks;
  const networkChange =
    net === undefined || net.added + net.removed === 0
      ? undefined
      : [
          ...(net.added > 0 ? [`${plural(net.added, 'allowed network')} added`] : []),
          ...(net.removed > 0 ? [`${plural(net.removed, 'allowed network')} removed`] : []),
        ].join(', ');
  if (networkChange !== undefined) return networkResultText(before, after, permissions, networkChange);
  const renamed = before.description !== after.description;
  const head = renamed
    ? `:pencil2: Renamed ${keyName(before)} to *${escapeMrkdwn(after.description)}*${permissions === undefined ? '' : `; ${permissions}`}.`
    : `:pencil2: Saved ${keyName(after)}: ${permissions ?? 'nothing changed'}.`;
  return permissions === undefined ? head : `${head} The change is effective right away.`;
}

/** The Expires line of the review: before → after, and whether the key lives longer (held under approvals). */
export function expiryChangeOf(before: Date | null, after: Date | null): { text: string; extended: boolean } {
  const words = (at: Date | null) => (at === null ? 'no expiry' : slackDate(at));
  const extended = before !== null && (after === null || after.getTime() > before.getTime());
  return {
    text: `*Expires*\n~${words(before)}~\n→ ${words(after)}${extended ? '   _(extended)_' : '   _(shortened)_'}`,
    extended,
  };
}
