import { endpointName } from '../../catalog/endpoint-names.ts';
import type { Catalog } from '../../catalog/types.ts';
import { ActionId, BlockId } from '../ui/ids.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { plural } from '../ui/format.ts';
import { type Block, LIMITS, actions, button, context, option, plain, section, type Option } from './kit.ts';
import type { Selection } from './selection.ts';

/** Blocks a page's groups may use; the rest of the 100 is for the flow's own fields, the toolbar and paging. */
export const GROUP_BLOCK_BUDGET = 82;
/**
 * Bytes a page's checkboxes may take, all ticked (every option then appears twice: in options and initial_options).
 * Slack refuses views over ~250 kB; long labels in a big group would otherwise get there before 82 blocks.
 */
export const GROUP_BYTE_BUDGET = 180_000;
/** Past this many resources the resource menu (100 options at most) gives way to the search field alone. */
const RESOURCE_MENU_MAX = LIMITS.selectOptions - 1;
export const SEARCH_MAX_LENGTH = 100;

/** What the picker shows: one resource, endpoints matching a text, or both (an empty filter shows everything). */
export interface PickerFilter {
  /** Index into catalog.groups. */
  group?: number | undefined;
  text?: string | undefined;
}

/** Where a picker dialog is: its page, the revision of its block ids, and its filter. */
export interface PickerState {
  page: number;
  revision: number;
  filter?: PickerFilter | undefined;
}

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

const plans = new WeakMap<Catalog, Map<string, PickerPage[]>>();

const words = (text: string | undefined): string[] =>
  (text ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');

export function isFiltered(filter: PickerFilter | undefined): boolean {
  return filter?.group !== undefined || words(filter?.text).length > 0;
}

/** The groups the filter lets through, each with the indices of its matching endpoints (catalog order). */
export function shownGroups(
  catalog: Catalog,
  filter: PickerFilter | undefined,
): { group: number; resource: string; indices: number[] }[] {
  const indexOf = indices(catalog);
  const wanted = words(filter?.text);
  return catalog.groups.flatMap((group, groupIndex) => {
    if (filter?.group !== undefined && filter.group !== groupIndex) return [];
    const matching = group.endpoints.filter((e) => {
      if (wanted.length === 0) return true;
      const haystack =
        `${e.label} ${e.id} ${group.resource}${e.deprecated ? ' deprecated' : ''}${e.method === 'GET' ? ' read-only' : ''}`.toLowerCase();
      return wanted.every((w) => haystack.includes(w));
    });
    return matching.length === 0
      ? []
      : [{ group: groupIndex, resource: group.resource, indices: matching.map((e) => indexOf.get(e.id) as number) }];
  });
}

const indexCache = new WeakMap<Catalog, Map<string, number>>();
function indices(catalog: Catalog): Map<string, number> {
  let map = indexCache.get(catalog);
  if (map === undefined) {
    map = new Map(catalog.endpoints.map((e, i) => [e.id, i]));
    indexCache.set(catalog, map);
  }
  return map;
}

/** Every endpoint index the filter shows, on any page. */
export function shownIndices(catalog: Catalog, filter: PickerFilter | undefined): number[] {
  return shownGroups(catalog, filter).flatMap((g) => g.indices);
}

/**
 * Packs the shown resource groups into pages of at most GROUP_BLOCK_BUDGET blocks (a heading per group plus one
 * checkbox block per 10 endpoints). A group is split only when it alone is bigger than a page, so each heading
 * appears once. The Harvest catalog fits on one page; a 500-endpoint catalog takes a few unless filtered.
 */
export function planPages(catalog: Catalog, filter?: PickerFilter): PickerPage[] {
  const key = `${filter?.group ?? ''}|${words(filter?.text).join(' ')}`;
  let byFilter = plans.get(catalog);
  if (byFilter === undefined) {
    byFilter = new Map();
    plans.set(catalog, byFilter);
  }
  const cached = byFilter.get(key);
  if (cached !== undefined) return cached;
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
  for (const group of shownGroups(catalog, filter)) {
    const chunks: number[][] = [];
    for (let i = 0; i < group.indices.length; i += LIMITS.checkboxOptions)
      chunks.push(group.indices.slice(i, i + LIMITS.checkboxOptions));
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
      current.push({ group: group.group, resource: group.resource, chunks: chunks.splice(0, taken), continued });
      weights.splice(0, taken);
      used += 1 + taken;
      bytes += takenBytes;
      continued = true;
    }
  }
  flush();
  if (pages.length === 0) pages.push({ parts: [] });
  // A few filters per catalog are worth keeping; typed searches are not.
  if (byFilter.size > 64) byFilter.clear();
  byFilter.set(key, pages);
  return pages;
}

export const pickerBlockId = (revision: number, group: number, chunk: number): string =>
  `${BlockId.pickerPrefix}.${revision}.${group}.${chunk}`;

/** A checkbox: the endpoint's name (with its path where the label is shared), deprecated ones marked; the id below. */
function endpointOption(catalog: Catalog, index: number): Option {
  const endpoint = catalog.endpoints[index]!;
  const name = endpointName(catalog, endpoint);
  return option(endpoint.deprecated ? `${name} · deprecated` : name, String(index), endpoint.id);
}

/** The search field, the resource menu and the buttons that act on what is shown (all, none, read-only). */
function toolbar(catalog: Catalog, state: PickerState): Block[] {
  const filter = state.filter;
  const filtered = isFiltered(filter);
  const shown = shownIndices(catalog, filter);
  const reads = shown.filter((i) => catalog.endpoints[i]?.method === 'GET').length;
  const total = catalog.endpoints.length;
  const text = filter?.text ?? '';
  const search: Block = {
    type: 'input',
    block_id: `${BlockId.pickerSearch}.${state.revision}`,
    optional: true,
    dispatch_action: true,
    label: plain('Find endpoints'),
    element: {
      type: 'plain_text_input',
      action_id: ActionId.pickerSearch,
      max_length: SEARCH_MAX_LENGTH,
      placeholder: plain('Resource, name, method or path, then Enter', 150),
      dispatch_action_config: { trigger_actions_on: ['on_enter_pressed'] },
      ...(text === '' ? {} : { initial_value: text }),
    },
  };
  const elements = [];
  if (catalog.groups.length <= RESOURCE_MENU_MAX && catalog.groups.length > 1) {
    const all = option(`All resources (${total})`, 'all');
    const options = [all, ...catalog.groups.map((g, i) => option(`${g.resource} (${g.endpoints.length})`, String(i)))];
    const chosen = filter?.group === undefined ? all : options[filter.group + 1];
    elements.push({
      type: 'static_select' as const,
      action_id: ActionId.pickerResource,
      placeholder: plain('Resource', 150),
      options,
      ...(chosen === undefined ? {} : { initial_option: chosen }),
    });
  }
  if (shown.length > 0) {
    elements.push(
      button(filtered ? `Select the ${shown.length} shown` : `Select all ${total}`, ActionId.pickerAll, 'all'),
      button(filtered ? `Clear the ${shown.length} shown` : 'Clear all', ActionId.pickerNone, 'none'),
    );
    if (reads > 0) elements.push(button('Read-only (GET)', ActionId.pickerReadOnly, 'get'));
  }
  if (filtered) elements.push(button('Show all', ActionId.pickerFilterClear, 'clear'));
  return [search, actions(elements, `${BlockId.pickerTools}.${state.revision}`)];
}

/** The checkbox blocks of one page, with the selection pre-checked, a select-all per group, the toolbar and paging. */
export function pickerBlocks(catalog: Catalog, selection: Selection, state: PickerState): Block[] {
  const { page, revision, filter } = state;
  const pages = planPages(catalog, filter);
  const current = pages[page] ?? pages[0]!;
  const total = catalog.endpoints.length;
  const shown = new Set(shownIndices(catalog, filter));
  const onPage = new Set(current.parts.flatMap((p) => p.chunks.flat()));
  const selected = selection.count();
  const hiddenSelected = catalog.endpoints.filter((_, i) => selection.has(i) && !onPage.has(i)).length;
  const reads = [...shown].filter((i) => catalog.endpoints[i]?.method === 'GET').length;
  const lines = [
    `Choose the endpoints this key may call: *${selected} of ${total}* selected in the ${escapeMrkdwn(catalog.name)} catalog. Grant only what the integration needs.`,
  ];
  if (isFiltered(filter)) {
    const where =
      filter?.group === undefined ? '' : ` in ${escapeMrkdwn(catalog.groups[filter.group]?.resource ?? '')}`;
    const what = words(filter?.text).length === 0 ? '' : ` matching “${escapeMrkdwn(filter?.text?.trim() ?? '')}”`;
    if (shown.size > 0) lines.push(`Showing ${plural(shown.size, 'endpoint')}${what}${where}.`);
  }
  if (hiddenSelected > 0)
    lines.push(`Also selected: ${hiddenSelected} ${isFiltered(filter) ? 'not shown here' : 'on other pages'}.`);
  if (reads > 0) {
    lines.push(
      isFiltered(filter)
        ? `*Read-only (GET)* ticks the ${reads} GET endpoint${reads === 1 ? '' : 's'} shown and unticks the others shown.`
        : `*Read-only (GET)* ticks all ${reads} GET endpoints and unticks every other.`,
    );
  }
  const blocks: Block[] = [context(lines.join(' ')), ...toolbar(catalog, state)];
  if (shown.size === 0) {
    blocks.push(section(`No endpoint matches. *Show all* brings back the ${total} endpoints.`));
  }
  for (const part of current.parts) {
    const all = shownGroups(catalog, { ...filter, group: part.group })[0]?.indices ?? [];
    const size = catalog.groups[part.group]?.endpoints.length ?? 0;
    const on = all.filter((i) => selection.has(i)).length;
    const count = all.length === size ? plural(size, 'endpoint') : `${all.length} of ${plural(size, 'endpoint')} shown`;
    blocks.push(
      section(
        `*${escapeMrkdwn(part.resource)}*${part.continued ? ` (continued from page ${page})` : ''} · ${count}${on > 0 ? ` · ${on} selected` : ''}`,
        {
          block_id: `grp.${revision}.${part.group}.${part.continued ? 'c' : 'h'}`,
          accessory: button(
            on === all.length ? 'Clear group' : all.length === size ? 'Select all' : `Select these ${all.length}`,
            ActionId.pickerGroup,
            String(part.group),
          ),
        },
      ),
    );
    part.chunks.forEach((chunk, chunkIndex) => {
      const options = chunk.map((i) => endpointOption(catalog, i));
      const initial = chunk.filter((i) => selection.has(i)).map((i) => endpointOption(catalog, i));
      // An actions block, not an input: an input needs a label, and the group's heading is already above.
      blocks.push({
        type: 'actions',
        block_id: pickerBlockId(revision, part.group, chunkIndex + (part.continued ? 1000 : 0)),
        elements: [
          {
            type: 'checkboxes',
            action_id: ActionId.pickerCheck,
            options,
            ...(initial.length > 0 ? { initial_options: initial } : {}),
          },
        ],
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

/** The chunk a picker block id names, on the given page, revision and filter. */
function chunkFor(catalog: Catalog, state: PickerState, blockId: string): number[] | undefined {
  const current = planPages(catalog, state.filter)[state.page];
  if (current === undefined) return undefined;
  for (const part of current.parts) {
    for (let c = 0; c < part.chunks.length; c++) {
      if (pickerBlockId(state.revision, part.group, c + (part.continued ? 1000 : 0)) === blockId) return part.chunks[c];
    }
  }
  return undefined;
}

type StateValues = Record<string, Record<string, { selected_options?: { value: string }[] | null } | undefined>>;

/**
 * Folds what the user ticked on the current page into the selection. Boxes on other pages or filtered out are not
 * in the view, so the selection already holds them; a chunk Slack did not report keeps what it was drawn with.
 */
export function mergePickerState(
  catalog: Catalog,
  selection: Selection,
  state: PickerState,
  values: StateValues | undefined,
): Selection {
  for (const [blockId, entry] of Object.entries(values ?? {})) {
    const chosen = entry[ActionId.pickerCheck]?.selected_options;
    if (chosen === undefined || chosen === null) continue;
    const chunk = chunkFor(catalog, state, blockId);
    if (chunk === undefined) continue;
    const on = new Set(chosen.map((o) => Number(o.value)));
    for (const index of chunk) selection.set(index, on.has(index));
  }
  return selection;
}

/** The group button: selects the group's shown endpoints, or clears them when all of them were selected. */
export function toggleGroup(catalog: Catalog, selection: Selection, group: number, filter?: PickerFilter): void {
  const shown = shownGroups(catalog, { ...filter, group })[0]?.indices ?? [];
  const on = !shown.every((i) => selection.has(i));
  for (const index of shown) selection.set(index, on);
}

/** Read-only (GET): the shown GET endpoints ticked, every other shown endpoint unticked. */
export function selectReadOnly(catalog: Catalog, selection: Selection, filter?: PickerFilter): void {
  for (const index of shownIndices(catalog, filter)) selection.set(index, catalog.endpoints[index]?.method === 'GET');
}
