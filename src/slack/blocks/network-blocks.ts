import { MAX_NETWORKS } from '../../shared/networks.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { plural } from '../ui/format.ts';
import { ActionId, BlockId } from '../ui/ids.ts';
import { type Block, LIMITS, plain, section } from './kit.ts';

/** The dialogs' "Allowed networks" field: one network per line, empty for any address. */
export function networksInput(input: {
  networks: readonly string[];
  /** Bumped to replace what was typed (the create dialog, when another partner's defaults come in). */
  revision?: number | undefined;
  hint: string;
}): Block {
  return {
    type: 'input',
    block_id: networksBlockId(input.revision),
    optional: true,
    label: plain('Allowed networks'),
    hint: plain(input.hint),
    element: {
      type: 'plain_text_input',
      action_id: ActionId.input,
      multiline: true,
      max_length: LIMITS.plainTextInputMax,
      placeholder: plain('Any address. Or one per line, e.g. 203.0.113.0/24 or 2001:db8::/32'),
      ...(input.networks.length === 0 ? {} : { initial_value: input.networks.join('\n') }),
    },
  };
}

export function networksBlockId(revision?: number | undefined): string {
  return revision === undefined ? BlockId.networks : `${BlockId.networks}.${revision}`;
}

/** What was typed, as lines (validateNetworks names a bad one by its line number). */
export function networkLines(text: string | undefined): string[] {
  return (text ?? '').split('\n');
}

export const KEY_NETWORKS_HINT = `Up to ${MAX_NETWORKS} IPv4 or IPv6 addresses or networks, one per line. Requests from anywhere else are refused (403 ip_not_allowed). Empty: any address.`;
export const PARTNER_NETWORKS_HINT = `A new key for this partner starts limited to these (up to ${MAX_NETWORKS}, one per line). Existing keys keep theirs.`;

/** "any address", or the networks in one short line. */
export function networksSummary(networks: readonly string[]): string {
  if (networks.length === 0) return 'any address';
  const shown = networks.slice(0, 5).map((n) => `\`${escapeMrkdwn(n)}\``);
  return networks.length > 5 ? `${shown.join(', ')} and ${networks.length - 5} more` : shown.join(', ');
}

/** Edit's review: the networks added and removed, when there are any. */
export function networkDiffBlocks(
  added: readonly string[],
  removed: readonly string[],
  after: readonly string[],
): Block[] {
  if (added.length + removed.length === 0) return [];
  const all = [
    ...added.map((n) => `:heavy_plus_sign: \`${escapeMrkdwn(n)}\``),
    ...removed.map((n) => `:heavy_minus_sign: \`${escapeMrkdwn(n)}\``),
  ];
  // Within one section's text: at most 100 lines could come (50 added, 50 removed).
  const lines = all.length > 30 ? [...all.slice(0, 30), `… and ${all.length - 30} more`] : all;
  const outcome =
    after.length === 0
      ? 'Afterwards the key works from *any address*.'
      : `Afterwards the key works only from ${plural(after.length, 'network')}; requests from anywhere else are refused.`;
  return [section(`*Allowed networks*\n${lines.join('\n')}\n${outcome}`)];
}
