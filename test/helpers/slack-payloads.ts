import { TEAM } from './slack-harness.ts';

/** Slack-shaped interaction payloads, built from the views the app really sent. */
type View = Record<string, unknown> & { blocks?: Record<string, unknown>[] };
type Values = Record<string, Record<string, Record<string, unknown>>>;

let sequence = 0;
const user = (id: string) => ({ id, username: id.toLowerCase(), name: id.toLowerCase(), team_id: TEAM.id });

/**
 * What Slack would report as the state of a freshly opened view: every input at its initial value, and the stateful
 * elements of actions blocks (the permission picker's checkboxes, menus) too.
 */
export function initialState(view: View): Values {
  const values: Values = {};
  for (const block of view.blocks ?? []) {
    const elements =
      block.type === 'input'
        ? [block.element as Record<string, unknown>]
        : block.type === 'actions'
          ? (block.elements as Record<string, unknown>[]).filter((e) => e.type !== 'button' && e.type !== 'overflow')
          : [];
    for (const element of elements) stateOf(values, block, element);
  }
  return values;
}

function stateOf(values: Values, block: Record<string, unknown>, element: Record<string, unknown>): void {
  const actionId = element.action_id as string;
  let state: Record<string, unknown> = { type: element.type };
  switch (element.type) {
    case 'plain_text_input':
      state = { ...state, value: element.initial_value ?? null };
      break;
    case 'checkboxes':
      state = { ...state, selected_options: element.initial_options ?? [] };
      break;
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      state = { ...state, selected_option: element.initial_option ?? null };
      break;
    case 'multi_users_select':
      state = { ...state, selected_users: element.initial_users ?? [] };
      break;
  }
  values[block.block_id as string] = { ...values[block.block_id as string], [actionId]: state };
}

export function withState(view: View, values: Values, id = 'V0VIEW'): View {
  return { id, hash: `hash-${++sequence}`, team_id: TEAM.id, ...view, state: { values } };
}

export function viewSubmission(
  userId: string,
  view: View,
  values: Values = initialState(view),
): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: TEAM,
    user: user(userId),
    api_app_id: 'A0TEST',
    token: 'legacy-verification-token',
    trigger_id: `${++sequence}.trigger`,
    view: withState(view, values, (view.id as string | undefined) ?? 'V0VIEW'),
    response_urls: [],
    is_enterprise_install: false,
  };
}

export function viewClosed(userId: string, view: View): Record<string, unknown> {
  return {
    type: 'view_closed',
    team: TEAM,
    user: user(userId),
    api_app_id: 'A0TEST',
    token: 't',
    view: withState(view, {}),
    is_cleared: false,
  };
}

export interface ActionInput {
  action_id: string;
  block_id: string;
  type: string;
  value?: string;
  selected_option?: Record<string, unknown>;
  selected_options?: Record<string, unknown>[];
}

/** A block_actions payload from a modal or the Home tab (no response_url) or from a message (with one). */
/** A pick in a key row's overflow menu (Home, list message or `show`), drawn by the app as `<verb>:<key id>`. */
export function keyMenuPick(label: string, value: string): ActionInput {
  return {
    type: 'overflow',
    action_id: 'key.menu',
    block_id: 'b',
    selected_option: { text: { type: 'plain_text', text: label }, value },
  };
}

export function blockActions(
  userId: string,
  action: ActionInput,
  source: { view: View; values?: Values } | { message: Record<string, unknown>; responseUrl: string },
): Record<string, unknown> {
  sequence += 1;
  const common = {
    type: 'block_actions',
    team: TEAM,
    user: user(userId),
    api_app_id: 'A0TEST',
    token: 'legacy-verification-token',
    trigger_id: `${sequence}.trigger`,
    actions: [{ ...action, action_ts: `${Date.now() / 1000}` }],
    is_enterprise_install: false,
  };
  if ('view' in source) {
    const values = source.values ?? initialState(source.view);
    return {
      ...common,
      container: { type: 'view', view_id: source.view.id ?? 'V0VIEW' },
      view: withState(source.view, values, (source.view.id as string | undefined) ?? 'V0VIEW'),
    };
  }
  return {
    ...common,
    container: { type: 'message', message_ts: '1.1', channel_id: 'C0GENERAL', is_ephemeral: true },
    channel: { id: 'C0GENERAL', name: 'general' },
    message: source.message,
    response_url: source.responseUrl,
  };
}

/** Finds a block's element by action id (first match) in a view or message. */
export function findElement(
  surface: { blocks?: unknown },
  actionId: string,
): { block: Record<string, unknown>; element: Record<string, unknown> } {
  for (const block of (surface.blocks ?? []) as Record<string, unknown>[]) {
    const candidates = [block.accessory, block.element, ...(((block.elements as unknown[]) ?? []) as unknown[])] as (
      | Record<string, unknown>
      | undefined
    )[];
    for (const element of candidates) {
      if (element !== undefined && element !== null && element.action_id === actionId) return { block, element };
    }
  }
  throw new Error(`no element with action_id ${actionId}`);
}

export function textOf(surface: unknown): string {
  return JSON.stringify(surface);
}

/** Every action_id a person can trigger in the recorded views and messages: buttons, menus, dispatching inputs. */
export function dispatchingActionIds(bodies: readonly { body: Record<string, unknown> }[]): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (blocks: unknown) => {
    for (const block of (Array.isArray(blocks) ? blocks : []) as Record<string, unknown>[]) {
      const elements = [block.accessory, ...((block.elements as unknown[]) ?? [])] as (
        | Record<string, unknown>
        | undefined
      )[];
      if (block.type === 'input' && block.dispatch_action === true)
        elements.push(block.element as Record<string, unknown>);
      for (const element of elements) {
        if (element?.action_id !== undefined) found.set(element.action_id as string, element.type as string);
      }
    }
  };
  for (const { body } of bodies) {
    visit(body.blocks);
    visit((body.view as { blocks?: unknown } | undefined)?.blocks);
  }
  return found;
}

/**
 * The permission picker's checkbox blocks (`pk.<revision>.<group>.<chunk>`, actions blocks of one checkboxes
 * element), each with that element as `element`, as an input block would have it.
 */
export function checkboxBlocks(view: View): (Record<string, unknown> & { element: Record<string, unknown> })[] {
  return (view.blocks ?? [])
    .filter((b) => String(b.block_id).startsWith('pk.'))
    .map((b) => ({ ...b, element: (b.elements as Record<string, unknown>[])[0] as Record<string, unknown> }));
}
