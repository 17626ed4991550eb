import { parse, positional } from '../args.ts';
import { command } from '../command.ts';
import { USAGES } from '../usages.ts';
import { expiryOf, expiryOptions, expiryText } from './key-options.ts';

export const revoke = command({
  usage: USAGES.revoke,
  parse(argv) {
    const { values, positionals } = parse(argv, { reason: { type: 'string' } }, this.usage, 1);
    return { ...values, id: positional(positionals, 0, 'id', this.usage) };
  },
  async run(ctx, { id, reason, json }) {
    const { changed } = await ctx.runtime.keys.revoke(id, { actor: ctx.actor, reason });
    ctx.out(json ? JSON.stringify({ id, changed }) : changed ? `Revoked ${id}.` : `${id} was already revoked.`);
    return 0;
  },
});

export const enable = command({
  usage: USAGES.enable,
  parse(argv) {
    const { values, positionals } = parse(argv, expiryOptions, this.usage, 1);
    return {
      json: values.json,
      id: positional(positionals, 0, 'id', this.usage),
      expiresAt: expiryOf(values, this.usage),
    };
  },
  async run(ctx, { id, json, expiresAt }) {
    const { changed, key } = await ctx.runtime.keys.enable(id, { actor: ctx.actor, expiresAt });
    ctx.out(
      json
        ? JSON.stringify({ id, changed, expiresAt: key.expiresAt })
        : changed
          ? `Re-enabled ${id}; it ${expiryText(key.expiresAt)}.`
          : `${id} is already active.`,
    );
    return 0;
  },
});
