import type { Catalog } from '../../catalog/types.ts';
import type { KeyOverview } from '../../keys/insights.ts';
import { isUsable, keyState } from '../../keys/key-state.ts';
import type { EndpointUsage } from '../../keys/usage-report.ts';
import { code } from '../ui/escape.ts';
import { lastUsedText, plural } from '../ui/format.ts';
import { ActionId, BlockId } from '../ui/ids.ts';
import { dayText } from './legacy-blocks.ts';
import { actions, type Block, button, context, section } from './kit.ts';
import { endpointText } from './permission-lines.ts';

/** Endpoints named in a key's view; the CLI's `usage` lists every one. */
export const TOP_ENDPOINTS = 5;

function endpointUse(catalog: Catalog, use: EndpointUsage): string {
  const endpoint = catalog.byId.get(use.endpointId);
  const name =
    use.endpointId === '-'
      ? '_targets outside the catalog_'
      : endpoint === undefined
        ? `${code(use.endpointId)} (no longer in the catalog)`
        : endpointText(catalog, endpoint);
  return `• ${name}: ${use.allowed} allowed, ${use.denied} denied (last ${dayText(new Date(`${use.lastDay}T00:00:00Z`))})`;
}

export function trimButtonText(count: number): string {
  return `Remove ${plural(count, 'unused permission')}`;
}

export const CONVERT_BUTTON_TEXT = 'Convert to explicit permissions';

/**
 * A key's use, in its view: requests over the trim window, the busiest endpoints, and what that use suggests (grants
 * never used, a legacy key's implicit endpoints). `canChange` offers the two changes as buttons, each of which opens
 * the usual review of a permission change.
 */
export function usageBlocks(input: {
  overview: KeyOverview;
  catalog: Catalog;
  canChange: boolean;
  now: Date;
}): Block[] {
  const { usage, trim, legacy } = input.overview;
  const { key, window } = usage;
  const blocks: Block[] = [
    section(
      `*Use in the last ${window.days} days:* ${usage.allowed} allowed, ${usage.denied} denied   ·   *Last used:* ${lastUsedText(key.lastUsedAt)}`,
    ),
  ];
  if (usage.endpoints.length === 0) blocks.push(context(`No requests recorded in the last ${window.days} days.`));
  else {
    const more = usage.endpoints.length - TOP_ENDPOINTS;
    blocks.push(
      section(
        [
          ...usage.endpoints.slice(0, TOP_ENDPOINTS).map((e) => endpointUse(input.catalog, e)),
          ...(more > 0 ? [`_and ${plural(more, 'more endpoint')}_`] : []),
        ].join('\n'),
      ),
    );
  }
  // A replaced key is changed through its replacement (the service would refuse an edit), and narrowing a key that
  // no longer works helps nobody.
  const changeable = input.canChange && key.replacedBy === null && isUsable(keyState(key, input.now));
  const buttons = [];
  if (trim.unused.length > 0) {
    if (window.keyYounger) {
      blocks.push(
        context(
          `${plural(trim.unused.length, 'permission')} had no allowed call yet, but the key is younger than ${window.days} days: too early to call them unused.`,
        ),
      );
    } else {
      blocks.push(
        context(
          `${trim.unused.length} of its ${plural(key.permissions.length, 'permission')} had no allowed call in the last ${window.days} days.`,
        ),
      );
      if (changeable) buttons.push(button(trimButtonText(trim.unused.length), ActionId.keyTrim, key.id));
    }
  }
  if (legacy !== undefined) {
    const total = legacy.called.length + legacy.uncalled.length;
    blocks.push(
      context(
        `In the last ${legacy.window.days} days it called ${legacy.called.length} of the ${plural(total, 'legacy endpoint')} it may call without grants.`,
      ),
    );
    if (changeable) buttons.push(button(CONVERT_BUTTON_TEXT, ActionId.keyLegacyConvert, key.id));
  }
  if (buttons.length > 0) blocks.push(actions(buttons, BlockId.keyInsights));
  return blocks;
}
