import type { Catalog } from '../../catalog/types.ts';
import { ActionId, BlockId } from '../ui/ids.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { type Block, LIMITS, actions, button, context, option, plain, section, type Option } from './kit.ts';
import type { Selection } from './selection.ts';

/** Blocks a page's groups may use; the rest of the 100 is for the flow's own fields, the toolbar and paging. */
export const GROUP_BLOCK_BUDGET = 84;
/**
 * Bytes a page's checkboxes may take, all ticked (every option then appears twice: in options and initial_options).
 * Slack refuses views over ~250 kB; long labels in a big group would otherwise get there before 84 blocks.
 */
export const GROUP_BYTE_BUDGET = 180_000;

export interface PagePart {
  group: number;
  resource: string;
  /** Endpoint indices, at most 10 per chunk (one checkboxes element each). */
  chunks: number[][];
  continued: boolean;
}

export interface PickerPage {
  parts: PagePart[];
}

const plans = new WeakMap<Catalog, PickerPage[]>();

/**
 * Packs resource groups into pages of at most GROUP_BLOCK_BUDGET blocks (a header section per group plus one input
 * block per 10 endpoints). A group is never split unless it alone is bigger than a page. The Harvest catalog fits on
 * one page; a 500-endpoint catalog takes a few.
 */
export function planPages(catalog: Catalog): PickerPage[] {
  const cached = plans.get(catalog);
  if (cached !== undefined) return cached;
  const indexOf = new Map(catalog.endpoints.map((e, i) => [e.id, i]));
  const pages: PickerPage[] = [];
  let current: PagePart[] = [];
  let used = 0;
  let bytes = 0;
  const flush = () => {
    if (current.length > 0) pages.push({ parts: current });
    current = [];
    used = 0;
    bytes = 0;
  };
  const weight = (chunk: number[]) =>
    300 + chunk.reduce((n, i) => n + 2 * Buffer.byteLength(JSON.stringify(endpointOption(catalog, i))), 0);
  catalog.groups.forEach((group, groupIndex) => {
    const indices = group.endpoints.map((e) => indexOf.get(e.id) as number);
    const chunks: number[][] = [];
    for (let i = 0; i < indices.length; i += LIMITS.checkboxOptions)
      chunks.push(indices.slice(i, i + LIMITS.checkboxOptions));
    const weights = chunks.map(weight);
    const groupBytes = weights.reduce((a, b) => a + b, 0);
    if (used > 0 && (used + 1 + chunks.length > GROUP_BLOCK_BUDGET || bytes + groupBytes > GROUP_BYTE_BUDGET)) flush();
    let continued = false;
    while (chunks.length > 0) {
      let taken = 0;
      let takenBytes = 0;
      while (
        taken < chunks.length &&
        used + 1 + taken < GROUP_BLOCK_BUDGET &&
        bytes + takenBytes + (weights[taken] as number) <= GROUP_BYTE_BUDGET
      ) {
        takenBytes += weights[taken] as number;
        taken++;
      }
      if (taken === 0) {
        if (used === 0) throw new Error(`one checkbox block of ${group.resource} is larger than a page`);
        flush();
        continue;
      }
      current.push({ group: groupIndex, resource: group.resource, chunks: chunks.splice(0, taken), continued });
      weights.splice(0, taken);
      used += 1 + taken;
      bytes += takenBytes;
      continued = true;
    }
  });
  flush();
  if (pages.length === 0) pages.push({ parts: [] });
  plans.set(catalog, pages);
  return pages;
}

export const pickerBlockId = (revision: number, group: number, chunk: number): string =>
  `${BlockId.pickerPrefix}.${revision}.${group}.${chunk}`;

function endpointOption(catalog: Catalog, index: number): Option {
  const endpoint = catalog.endpoints[index]!;
  return option(endpoint.label, String(index), endpoint.id);
}

function groupIndices(catalog: Catalog, group: number): number[] {
  const ids = new Set(catalog.groups[group]?.endpoints.map((e) => e.id));
  return catalog.endpoints.flatMap((e, i) => (ids.has(e.id) ? [i] : []));
}

/** The checkbox blocks of one page, with the selection pre-checked, a select-all per group, the toolbar and paging. */
export function pickerBlocks(catalog: Catalog, selection: Selection, page: number, revision: number): Block[] {
  const pages = planPages(catalog);
  const current = pages[page] ?? pages[0]!;
  const total = catalog.endpoints.length;
  const blocks: Block[] = [];
  const onOtherPages =
    pages.length > 1
      ? catalog.endpoints.filter((_, i) => selection.has(i) && !current.parts.some((p) => p.chunks.flat().includes(i)))
          .length
      : 0;
  blocks.push(
    context(
      pages.length > 1
        ? `Choose the endpoints this key may call (${total} in the ${escapeMrkdwn(catalog.name)} catalog, page ${page + 1} of ${pages.length}; ${onOtherPages} selected on other pages).`
        : `Choose the endpoints this key may call (${total} in the ${escapeMrkdwn(catalog.name)} catalog). Grant only what the integration needs.`,
    ),
    actions([
      button(`Select all ${total}`, ActionId.pickerAll, 'all'),
      button('Clear all', ActionId.pickerNone, 'none'),
    ]),
  );
  for (const part of current.parts) {
    const all = groupIndices(catalog, part.group);
    const allOn = all.every((i) => selection.has(i));
    blocks.push(
      section(
        `*${escapeMrkdwn(part.resource)}*${part.continued ? ' (continued)' : ''} · ${all.length} endpoint${all.length === 1 ? '' : 's'}`,
        {
          block_id: `grp.${revision}.${part.group}.${part.continued ? 'c' : 'h'}`,
          accessory: button(allOn ? 'Clear group' : 'Select all', ActionId.pickerGroup, String(part.group)),
        },
      ),
    );
    part.chunks.forEach((chunk, chunkIndex) => {
      const options = chunk.map((i) => endpointOption(catalog, i));
      const initial = chunk.filter((i) => selection.has(i)).map((i) => endpointOption(catalog, i));
      blocks.push({
        type: 'input',
        block_id: pickerBlockId(revision, part.group, chunkIndex + (part.continued ? 1000 : 0)),
        optional: true,
        label: plain(chunkIndex === 0 && !part.continued ? part.resource : `${part.resource} (more)`, LIMITS.labelText),
        element: {
          type: 'checkboxes',
          action_id: ActionId.pickerCheck,
          options,
          ...(initial.length > 0 ? { initial_options: initial } : {}),
        },
      });
    });
  }
  if (pages.length > 1) {
    const nav = [];
    if (page > 0) nav.push(button(`◀ Page ${page}`, ActionId.pickerPage, String(page - 1)));
    if (page < pages.length - 1)
      nav.push(button(`Page ${page + 2} ▶`, `${ActionId.pickerPage}.next`, String(page + 1)));
    blocks.push(
      actions(nav),
      context(`Page ${page + 1} of ${pages.length}. Your choices on every page are kept; Save saves them all.`),
    );
  }
  return blocks;
}

/** The chunk a picker block id names, on the given page and revision. */
function chunkFor(catalog: Catalog, page: number, revision: number, blockId: string): number[] | undefined {
  const current = planPages(catalog)[page];
  if (current === undefined) return undefined;
  for (const part of current.parts) {
    for (let c = 0; c < part.chunks.length; c++) {
      if (pickerBlockId(revision, part.group, c + (part.continued ? 1000 : 0)) === blockId) return part.chunks[c];
    }
  }
  return undefined;
}

type StateValues = Record<string, Record<string, { selected_options?: { value: string }[] | null } | undefined>>;

/**
 * Folds what the user ticked on the current page into the selection. Boxes on other pages are not in the view, so
 * the selection already holds them; a chunk Slack did not report keeps what it was drawn with.
 */
export function mergePickerState(
  catalog: Catalog,
  selection: Selection,
  page: number,
  revision: number,
  values: StateValues | undefined,
): Selection {
  for (const [blockId, entry] of Object.entries(values ?? {})) {
    const chosen = entry[ActionId.pickerCheck]?.selected_options;
    if (chosen === undefined || chosen === null) continue;
    const chunk = chunkFor(catalog, page, revision, blockId);
    if (chunk === undefined) continue;
    const on = new Set(chosen.map((o) => Number(o.value)));
    for (const index of chunk) selection.set(index, on.has(index));
  }
  return selection;
}

export function setGroup(catalog: Catalog, selection: Selection, group: number, on: boolean): void {
  for (const index of groupIndices(catalog, group)) selection.set(index, on);
}

export function groupAllSelected(catalog: Catalog, selection: Selection, group: number): boolean {
  return groupIndices(catalog, group).every((i) => selection.has(i));
}
