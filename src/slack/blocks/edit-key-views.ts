import type { Catalog } from '../../catalog/types.ts';
import { isInUse, type KeyUsage } from '../../keys/key-usage.ts';
import type { ApiKey } from '../../keys/types.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { type KeyNameFields, keyName, lastUsedText, plural, statusText } from '../ui/format.ts';
import { ActionId, BlockId, CallbackId } from '../ui/ids.ts';
import { keyTitle, usageLine } from './key-facts.ts';
import { type Block, chunkLines, context, type ModalView, modal, plain, section } from './kit.ts';
import { type Hold, holdBlocks, submitLabel } from './approval-notice.ts';
import { pickerBlocks } from './permission-picker.ts';
import type { Selection } from './selection.ts';

export const SEED_IN_USE_WARNING =
  'Making changes to the permissions of an API key that is in use may impact internal or third-party tools that rely on data called from the API. To avoid service disruptions, check with your development team or integration partner before changing a key’s permissions.';

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
  hold?: Hold;
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
  hold?: Hold;
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
  if (leavesNoPermissions(input.key, input.added, input.removed)) blocks.push(...emptyKeyBlocks());
  // Only permission changes wait for approval: a new description cannot widen what the key may do.
  const hold = input.added.length + input.removed.length > 0 ? input.hold : undefined;
  blocks.push(...holdBlocks(hold, 'permissions'));
  return modal({
    callbackId: CallbackId.editConfirm,
    title: 'Confirm Changes',
    submit: submitLabel(hold, 'Save'),
    close: 'Back',
    blocks,
    privateMetadata: input.privateMetadata,
  });
}

/**
 * The edit takes away the key's last permission: it would then be refused on every endpoint. A legacy key keeps the
 * endpoints of the legacy cutoff, so it is never left with nothing.
 */
export function leavesNoPermissions(key: ApiKey, added: readonly string[], removed: readonly string[]): boolean {
  return !key.legacy && removed.length > 0 && key.permissions.length - removed.length + added.length === 0;
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
}): string {
  const { before, after, added, removed } = input;
  const permissions =
    added > 0 && removed > 0
      ? `${plural(added, 'permission')} added, ${removed} removed`
      : added > 0
        ? `${plural(added, 'permission')} added`
        : removed > 0
          ? `${plural(removed, 'permission')} removed`
          : undefined;
  const renamed = before.description !== after.description;
  const head = renamed
    ? `:pencil2: Renamed ${keyName(before)} to *${escapeMrkdwn(after.description)}*${permissions === undefined ? '' : `; ${permissions}`}.`
    : `:pencil2: Saved ${keyName(after)}: ${permissions ?? 'nothing changed'}.`;
  return permissions === undefined ? head : `${head} The change is effective right away.`;
}
