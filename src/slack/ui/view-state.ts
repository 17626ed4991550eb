import { ActionId } from './ids.ts';

/** Reading submitted values out of `view.state.values` (block id → action id → value), by element kind. */
type Entry = {
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: { value: string }[] | null;
  selected_users?: string[] | null;
};
export type StateValues = Record<string, Record<string, Entry | undefined>>;

function entry(values: StateValues | undefined, blockId: string): Entry | undefined {
  return values?.[blockId]?.[ActionId.input];
}

export function readInput(values: StateValues | undefined, blockId: string): string | undefined {
  return entry(values, blockId)?.value ?? undefined;
}

export function readSelected(
  values: StateValues | undefined,
  blockId: string,
  actionId: string = ActionId.input,
): string | undefined {
  return values?.[blockId]?.[actionId]?.selected_option?.value ?? undefined;
}

export function readUsers(values: StateValues | undefined, blockId: string): string[] | undefined {
  return entry(values, blockId)?.selected_users ?? undefined;
}

/** Whether a checkboxes input has the option with this value ticked. */
export function readChecked(values: StateValues | undefined, blockId: string, value: string): boolean {
  return entry(values, blockId)?.selected_options?.some((o) => o.value === value) === true;
}
