import { parse, positional } from '../args.ts';
import { command } from '../command.ts';
import { keyJson } from '../format.ts';
import { UsageError } from '../usage-error.ts';
import { USAGES } from '../usages.ts';
import { expiryOf, expiryOptions, expiryText, many, networksLine } from './key-options.ts';

export const edit = command({
  usage: USAGES.edit,
  parse(argv) {
    const { values, positionals } = parse(
      argv,
      {
        add: many,
        remove: many,
        description: { type: 'string' },
        version: { type: 'string' },
        'allow-ip': many,
        'remove-ip': many,
        ...expiryOptions,
      },
      this.usage,
      1,
    );
    const id = positional(positionals, 0, 'id', this.usage);
    if (values.version !== undefined && !/^\d+$/.test(values.version))
      throw new UsageError(`--version must be a whole number\nusage: ${this.usage}`);
    return {
      ...values,
      id,
      expectedVersion: values.version === undefined ? undefined : Number(values.version),
      expiresAt: expiryOf(values, this.usage),
    };
  },
  async run(ctx, values) {
    const { id } = values;
    const result = await ctx.runtime.keys.edit(id, {
      actor: ctx.actor,
      add: values.add,
      remove: values.remove,
      description: values.description,
      expectedVersion: values.expectedVersion,
      expiresAt: values.expiresAt,
      addNetworks: values['allow-ip'],
      removeNetworks: values['remove-ip'],
    });
    if (values.json) {
      ctx.out(
        JSON.stringify({
          ...keyJson(result.key),
          changed: result.changed,
          added: result.added,
          removed: result.removed,
          networksAdded: result.networksAdded,
          networksRemoved: result.networksRemoved,
        }),
      );
    } else if (!result.changed) {
      ctx.out(`${id}: nothing to change.`);
    } else {
      ctx.out(`Updated ${id} (version ${result.key.version}).`);
      for (const a of result.added) ctx.out(`  + ${a}`);
      for (const r of result.removed) ctx.out(`  - ${r}`);
      if (result.expiry !== undefined) ctx.out(`  it now ${expiryText(result.key.expiresAt)}`);
      for (const n of result.networksAdded) ctx.out(`  + allowed network ${n}`);
      for (const n of result.networksRemoved) ctx.out(`  - allowed network ${n}`);
      if (result.networksAdded.length + result.networksRemoved.length > 0)
        ctx.out(networksLine(result.key.allowedNetworks));
    }
    return 0;
  },
});

/** `extend <id> --expires …`: the key's expiry alone (an edit that changes nothing else). */
export const extend = command({
  usage: USAGES.extend,
  parse(argv) {
    const { values, positionals } = parse(argv, expiryOptions, this.usage, 1);
    const id = positional(positionals, 0, 'id', this.usage);
    const expiresAt = expiryOf(values, this.usage);
    if (expiresAt === undefined) throw new UsageError(`give --expires or --no-expiry\nusage: ${this.usage}`);
    return { json: values.json, id, expiresAt };
  },
  async run(ctx, { id, json, expiresAt }) {
    const result = await ctx.runtime.keys.edit(id, { actor: ctx.actor, expiresAt });
    if (json) ctx.out(JSON.stringify({ ...keyJson(result.key), changed: result.changed }));
    else if (!result.changed) ctx.out(`${id}: nothing to change (it ${expiryText(result.key.expiresAt)}).`);
    else ctx.out(`${id} now ${expiryText(result.key.expiresAt)} (version ${result.key.version}).`);
    return 0;
  },
});
