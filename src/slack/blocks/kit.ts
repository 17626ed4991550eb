import type { types } from '@slack/bolt';
import { truncate } from '../ui/escape.ts';

export type Block = types.KnownBlock;
export type ModalView = types.ModalView;
export type HomeView = types.HomeView;
export type Option = types.PlainTextOption;
export type Button = types.Button;

/** Slack's own limits, used by the builders (truncate) and by the validator (reject). */
export const LIMITS = {
  viewBlocks: 100,
  messageBlocks: 50,
  checkboxOptions: 10,
  selectOptions: 100,
  overflowOptions: 5,
  actionsElements: 25,
  optionText: 75,
  optionValue: 75,
  optionDescription: 75,
  id: 255,
  viewTitle: 24,
  privateMetadata: 3000,
  text: 3000,
  fieldText: 2000,
  fields: 10,
  headerText: 150,
  labelText: 2000,
  buttonText: 75,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  viewBytes: 250_000,
  messageText: 40_000,
  messageBlockText: 12_000,
  plainTextInputMax: 3000,
} as const;

export const plain = (text: string, max: number = LIMITS.text): types.PlainTextElement => ({
  type: 'plain_text',
  text: truncate(text, max),
  emoji: true,
});

export const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text });

export const header = (text: string): types.HeaderBlock => ({ type: 'header', text: plain(text, LIMITS.headerText) });

export const divider = (): types.DividerBlock => ({ type: 'divider' });

export function section(
  text: string,
  extra: Partial<Omit<types.SectionBlock, 'type' | 'text'>> = {},
): types.SectionBlock {
  return { type: 'section', text: mrkdwn(text), ...extra };
}

export const context = (...texts: string[]): types.ContextBlock => ({ type: 'context', elements: texts.map(mrkdwn) });

export const actions = (elements: types.ActionsBlockElement[], blockId?: string): types.ActionsBlock => ({
  type: 'actions',
  elements,
  ...(blockId === undefined ? {} : { block_id: blockId }),
});

export function button(
  text: string,
  actionId: string,
  value?: string,
  extra: Partial<Omit<types.Button, 'type' | 'text' | 'action_id'>> = {},
): types.Button {
  return {
    type: 'button',
    text: plain(text, LIMITS.buttonText),
    action_id: actionId,
    ...(value === undefined ? {} : { value }),
    ...extra,
  };
}

export function option(text: string, value: string, description?: string): Option {
  return {
    text: plain(text, LIMITS.optionText),
    value,
    ...(description === undefined ? {} : { description: plain(description, LIMITS.optionDescription) }),
  };
}

export function confirm(
  title: string,
  text: string,
  yes: string,
  style?: 'danger' | 'primary',
): types.ConfirmationDialog {
  return {
    title: plain(title, LIMITS.confirmTitle),
    text: plain(text, LIMITS.confirmText),
    confirm: plain(yes, LIMITS.confirmButton),
    deny: plain('Cancel', LIMITS.confirmButton),
    ...(style === undefined ? {} : { style }),
  };
}

export function modal(input: {
  callbackId: string;
  title: string;
  blocks: Block[];
  submit?: string | undefined;
  close?: string | undefined;
  privateMetadata?: string | undefined;
  notifyOnClose?: boolean | undefined;
}): ModalView {
  return {
    type: 'modal',
    callback_id: input.callbackId,
    title: plain(input.title, LIMITS.viewTitle),
    blocks: input.blocks,
    ...(input.submit === undefined ? {} : { submit: plain(input.submit, LIMITS.viewTitle) }),
    close: plain(input.close ?? 'Close', LIMITS.viewTitle),
    ...(input.privateMetadata === undefined ? {} : { private_metadata: input.privateMetadata }),
    ...(input.notifyOnClose === true ? { notify_on_close: true } : {}),
  };
}

/** Splits lines into section-sized texts, so long lists never exceed a text object's limit. */
export function chunkLines(lines: readonly string[], max: number = LIMITS.text - 100): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of lines) {
    const next = current === '' ? line : `${current}\n${line}`;
    if ([...next].length > max && current !== '') {
      chunks.push(current);
      current = truncate(line, max);
    } else {
      current = truncate(next, max);
    }
  }
  if (current !== '') chunks.push(current);
  return chunks;
}
