import { isDeepStrictEqual } from 'node:util';
import { LIMITS } from '../../src/slack/blocks/kit.ts';

/**
 * Checks Block Kit JSON against Slack's limits (see shared/reference/slack-platform.md) before Slack does, so a
 * view that would fail with `invalid_blocks` or `view_too_large` in production fails in a test instead. It walks
 * plain JSON, so it checks exactly what goes over the wire. No maintained package does this.
 */
export type Surface = 'modal' | 'home' | 'message';

type Json = Record<string, unknown>;

const BLOCK_TYPES = new Set(['section', 'header', 'context', 'actions', 'input', 'divider', 'image', 'rich_text']);
const MASS_MENTION = /<!(channel|here|everyone)(\|[^>]*)?>/;

class Checker {
  readonly problems: string[] = [];
  readonly blockIds = new Set<string>();
  blockText = 0;

  problem(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  len(value: unknown): number {
    return typeof value === 'string' ? [...value].length : 0;
  }

  text(path: string, value: unknown, max: number, options: { plainOnly?: boolean } = {}): void {
    if (typeof value !== 'object' || value === null) {
      this.problem(path, 'missing text object');
      return;
    }
    const object = value as Json;
    if (object.type !== 'plain_text' && object.type !== 'mrkdwn') {
      this.problem(path, `unknown text type ${String(object.type)}`);
      return;
    }
    if (options.plainOnly === true && object.type !== 'plain_text') this.problem(path, 'must be plain_text');
    if (typeof object.text !== 'string' || object.text.length === 0) {
      this.problem(path, 'text is empty');
      return;
    }
    const length = this.len(object.text);
    this.blockText += length;
    if (length > max) this.problem(path, `text is ${length} characters, limit ${max}`);
    if (object.type === 'mrkdwn' && 'emoji' in object) this.problem(path, 'emoji is only allowed on plain_text');
    if (object.type === 'mrkdwn' && MASS_MENTION.test(object.text))
      this.problem(path, 'mrkdwn contains a mass mention (unescaped user text?)');
  }

  id(path: string, value: unknown, name: string): void {
    if (value === undefined) return;
    if (typeof value !== 'string' || value.length === 0) {
      this.problem(path, `${name} must be a non-empty string`);
      return;
    }
    if (value.length > LIMITS.id) this.problem(path, `${name} is ${value.length} characters, limit ${LIMITS.id}`);
  }

  option(path: string, value: unknown, plainOnly: boolean): void {
    const o = value as Json;
    this.text(`${path}.text`, o.text, LIMITS.optionText, { plainOnly });
    if (typeof o.value !== 'string' || o.value.length === 0) this.problem(path, 'option value is missing');
    else if (o.value.length > LIMITS.optionValue)
      this.problem(path, `option value is ${o.value.length} characters, limit ${LIMITS.optionValue}`);
    if (o.description !== undefined)
      this.text(`${path}.description`, o.description, LIMITS.optionDescription, { plainOnly: true });
  }

  options(path: string, element: Json, min: number, max: number, plainOnly: boolean): unknown[] {
    const options = element.options;
    if (!Array.isArray(options)) {
      if (Array.isArray(element.option_groups)) {
        if (element.option_groups.length > max)
          this.problem(path, `${element.option_groups.length} option groups, limit ${max}`);
        return (element.option_groups as Json[]).flatMap((g) => (Array.isArray(g.options) ? g.options : []));
      }
      this.problem(path, 'options are missing');
      return [];
    }
    if (options.length < min || options.length > max)
      this.problem(path, `${options.length} options, allowed ${min}–${max}`);
    options.forEach((o, i) => {
      this.option(`${path}.options[${i}]`, o, plainOnly);
    });
    const values = options.map((o) => (o as Json).value);
    if (new Set(values).size !== values.length) this.problem(path, 'option values repeat');
    return options;
  }

  initial(path: string, element: Json, options: unknown[]): void {
    const initial = [
      ...(element.initial_option === undefined ? [] : [element.initial_option]),
      ...(Array.isArray(element.initial_options) ? element.initial_options : []),
    ];
    if (Array.isArray(element.initial_options) && element.initial_options.length === 0)
      this.problem(path, 'initial_options is empty');
    for (const chosen of initial) {
      if (!options.some((o) => isDeepStrictEqual(o, chosen))) {
        this.problem(
          path,
          `initial option ${JSON.stringify((chosen as Json).value)} does not exactly match one of the options`,
        );
      }
    }
  }

  confirm(path: string, value: unknown): void {
    if (value === undefined) return;
    const c = value as Json;
    this.text(`${path}.title`, c.title, LIMITS.confirmTitle, { plainOnly: true });
    this.text(`${path}.text`, c.text, LIMITS.confirmText);
    this.text(`${path}.confirm`, c.confirm, LIMITS.confirmButton, { plainOnly: true });
    this.text(`${path}.deny`, c.deny, LIMITS.confirmButton, { plainOnly: true });
    if (c.style !== undefined && c.style !== 'danger' && c.style !== 'primary')
      this.problem(path, `confirm style ${String(c.style)}`);
  }

  element(path: string, value: unknown, where: 'actions' | 'section' | 'input' | 'context'): void {
    const e = value as Json;
    if (where !== 'context') this.id(path, e.action_id, 'action_id');
    this.confirm(`${path}.confirm`, e.confirm);
    switch (e.type) {
      case 'button':
        if (where === 'input') this.problem(path, 'a button cannot be an input element');
        this.text(`${path}.text`, e.text, LIMITS.buttonText, { plainOnly: true });
        if (typeof e.value === 'string' && e.value.length > 2000)
          this.problem(path, 'button value over 2000 characters');
        if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger')
          this.problem(path, `button style ${String(e.style)}`);
        return;
      case 'checkboxes':
      case 'radio_buttons':
        this.initial(path, e, this.options(path, e, 1, LIMITS.checkboxOptions, false));
        return;
      case 'static_select':
      case 'multi_static_select':
        this.initial(path, e, this.options(path, e, 1, LIMITS.selectOptions, true));
        if (e.placeholder !== undefined) this.text(`${path}.placeholder`, e.placeholder, 150, { plainOnly: true });
        return;
      case 'overflow':
        if (where === 'input') this.problem(path, 'an overflow menu cannot be an input element');
        this.options(path, e, 1, LIMITS.overflowOptions, true);
        return;
      case 'external_select':
      case 'multi_external_select':
        if (e.initial_option !== undefined) this.option(`${path}.initial_option`, e.initial_option, true);
        return;
      case 'plain_text_input': {
        const max = typeof e.max_length === 'number' ? e.max_length : LIMITS.plainTextInputMax;
        if (max > LIMITS.plainTextInputMax) this.problem(path, `max_length ${max}, limit ${LIMITS.plainTextInputMax}`);
        if (this.len(e.initial_value) > max) this.problem(path, `initial_value longer than max_length ${max}`);
        if (where !== 'input' && where !== 'actions') this.problem(path, 'plain_text_input only fits in input blocks');
        return;
      }
      case 'users_select':
      case 'multi_users_select':
      case 'conversations_select':
      case 'multi_conversations_select':
      case 'channels_select':
      case 'datepicker':
      case 'timepicker':
      case 'file_input':
        return;
      case 'image':
        return;
      default:
        this.problem(path, `unknown element type ${String(e.type)}`);
    }
  }

  block(path: string, value: unknown, surface: Surface): void {
    const b = value as Json;
    if (!BLOCK_TYPES.has(String(b.type))) {
      this.problem(path, `unknown block type ${String(b.type)}`);
      return;
    }
    if (b.block_id !== undefined) {
      this.id(path, b.block_id, 'block_id');
      if (this.blockIds.has(String(b.block_id))) this.problem(path, `block_id ${String(b.block_id)} repeats`);
      this.blockIds.add(String(b.block_id));
    }
    switch (b.type) {
      case 'section': {
        if (b.text === undefined && b.fields === undefined) this.problem(path, 'a section needs text or fields');
        if (b.text !== undefined) this.text(`${path}.text`, b.text, LIMITS.text);
        if (b.fields !== undefined) {
          const fields = b.fields as unknown[];
          if (fields.length > LIMITS.fields) this.problem(path, `${fields.length} fields, limit ${LIMITS.fields}`);
          fields.forEach((f, i) => {
            this.text(`${path}.fields[${i}]`, f, LIMITS.fieldText);
          });
        }
        if (b.accessory !== undefined) this.element(`${path}.accessory`, b.accessory, 'section');
        return;
      }
      case 'header':
        this.text(`${path}.text`, b.text, LIMITS.headerText, { plainOnly: true });
        return;
      case 'context': {
        const elements = b.elements as unknown[];
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10)
          this.problem(path, 'context needs 1–10 elements');
        (elements ?? []).forEach((e, i) => {
          if ((e as Json).type === 'image') return;
          this.text(`${path}.elements[${i}]`, e, LIMITS.text);
        });
        return;
      }
      case 'actions': {
        const elements = b.elements as Json[];
        if (!Array.isArray(elements) || elements.length === 0) {
          this.problem(path, 'actions needs elements');
          return;
        }
        if (elements.length > LIMITS.actionsElements)
          this.problem(path, `${elements.length} elements, limit ${LIMITS.actionsElements}`);
        const ids = elements.map((e) => e.action_id).filter((id) => id !== undefined);
        if (new Set(ids).size !== ids.length) this.problem(path, 'action_ids repeat within the block');
        elements.forEach((e, i) => {
          this.element(`${path}.elements[${i}]`, e, 'actions');
        });
        return;
      }
      case 'input':
        if (surface === 'message') this.problem(path, 'input blocks do not belong in messages');
        this.text(`${path}.label`, b.label, LIMITS.labelText, { plainOnly: true });
        if (b.hint !== undefined) this.text(`${path}.hint`, b.hint, LIMITS.labelText, { plainOnly: true });
        if (b.element === undefined) {
          this.problem(path, 'input needs an element');
          return;
        }
        this.element(`${path}.element`, b.element, 'input');
        return;
      default:
        return;
    }
  }
}

export function validateSurface(surface: Surface, payload: unknown): string[] {
  const checker = new Checker();
  const root = (payload ?? {}) as Json;
  const blocks = Array.isArray(root.blocks) ? root.blocks : [];
  if (!Array.isArray(root.blocks) && surface !== 'message') checker.problem('view', 'blocks are missing');
  const maxBlocks = surface === 'message' ? LIMITS.messageBlocks : LIMITS.viewBlocks;
  if (blocks.length > maxBlocks) checker.problem('blocks', `${blocks.length} blocks, limit ${maxBlocks}`);
  blocks.forEach((block, i) => {
    checker.block(`blocks[${i}]`, block, surface);
  });

  if (surface === 'modal') {
    if (root.type !== 'modal') checker.problem('view', 'type must be modal');
    checker.text('view.title', root.title, LIMITS.viewTitle, { plainOnly: true });
    if (root.submit !== undefined) checker.text('view.submit', root.submit, LIMITS.viewTitle, { plainOnly: true });
    if (root.close !== undefined) checker.text('view.close', root.close, LIMITS.viewTitle, { plainOnly: true });
    if (root.submit === undefined && blocks.some((b) => (b as Json).type === 'input')) {
      checker.problem('view.submit', 'a modal with input blocks needs a submit button');
    }
  }
  if (surface === 'home' && root.type !== 'home') checker.problem('view', 'type must be home');
  if (surface !== 'message') {
    checker.id('view', root.callback_id, 'callback_id');
    checker.id('view', root.external_id, 'external_id');
    if (typeof root.private_metadata === 'string' && root.private_metadata.length > LIMITS.privateMetadata) {
      checker.problem(
        'view.private_metadata',
        `${root.private_metadata.length} characters, limit ${LIMITS.privateMetadata}`,
      );
    }
    const bytes = Buffer.byteLength(JSON.stringify(root));
    if (bytes >= LIMITS.viewBytes) checker.problem('view', `${bytes} bytes, limit ${LIMITS.viewBytes}`);
  } else {
    if (typeof root.text === 'string' && root.text.length > LIMITS.messageText)
      checker.problem('text', `over ${LIMITS.messageText} characters`);
    if (typeof root.text !== 'string' || root.text === '') checker.problem('text', 'a message needs fallback text');
    if (checker.blockText > LIMITS.messageBlockText) {
      checker.problem(
        'blocks',
        `${checker.blockText} characters of block text; Slack fails past about ${LIMITS.messageBlockText}`,
      );
    }
  }
  return checker.problems;
}

export function assertValidSurface(surface: Surface, payload: unknown): void {
  const problems = validateSurface(surface, payload);
  if (problems.length > 0) throw new Error(`Invalid Block Kit ${surface}:\n  ${problems.join('\n  ')}`);
}
