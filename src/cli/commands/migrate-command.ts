import { parse } from '../args.ts';
import { command } from '../command.ts';
import { USAGES } from '../usages.ts';

/** Opening the runtime applies pending migrations; by the time this runs there is nothing left to do. */
export const migrate = command({
  usage: USAGES.migrate,
  parse(argv) {
    return parse(argv, {}, this.usage).values;
  },
  async run(ctx) {
    ctx.out('Migrations are up to date.');
    return 0;
  },
});
