import { readFile } from 'node:fs/promises';
import { parse, positional, unreadable } from '../args.ts';
import { command } from '../command.ts';
import { USAGES } from '../usages.ts';

export const importCsv = command({
  usage: USAGES.import,
  parse(argv) {
    const { values, positionals } = parse(argv, {}, this.usage, 1);
    return { json: values.json, file: positional(positionals, 0, 'file.csv', this.usage) };
  },
  async run(ctx, { file, json }) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw unreadable(file, error);
    }
    const { imported } = await ctx.runtime.importKeys(bytes, ctx.actor);
    if (json) ctx.out(JSON.stringify(imported));
    else {
      ctx.out(`Imported ${imported.length} key(s) (${imported.filter((k) => k.legacy).length} legacy):`);
      for (const k of imported) ctx.out(`  ${k.id}  ${k.description}${k.legacy ? '  (legacy)' : ''}`);
    }
    return 0;
  },
});
