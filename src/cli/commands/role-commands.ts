import { parseRole } from '../../roles/role-service.ts';
import { isAppError } from '../../shared/errors.ts';
import { parse, positional } from '../args.ts';
import { command } from '../command.ts';
import { iso, table } from '../format.ts';
import { echo, UsageError } from '../usage-error.ts';
import { USAGES } from '../usages.ts';

function roleChange(sub: 'add' | 'remove') {
  return command({
    usage: USAGES[`role ${sub}`],
    parse(argv) {
      const { positionals } = parse(argv, {}, this.usage, 2);
      const user = positional(positionals, 0, 'slack user id', this.usage);
      const given = positional(positionals, 1, 'role', this.usage);
      try {
        return { user, name: parseRole(given) };
      } catch (error) {
        // The role is one of two words in the usage line: a wrong one is a usage mistake.
        if (isAppError(error, 'ROLE_INVALID'))
          throw new UsageError(`unknown role ${echo(given)}: expected admin or approver\nusage: ${this.usage}`);
        throw error;
      }
    },
    async run(ctx, { user, name }) {
      const changed =
        sub === 'add'
          ? await ctx.runtime.roles.grant(user, name, ctx.actor)
          : await ctx.runtime.roles.remove(user, name, ctx.actor);
      ctx.out(
        changed
          ? `${sub === 'add' ? 'Granted' : 'Removed'} ${name} ${sub === 'add' ? 'to' : 'from'} ${user}.`
          : `${user} ${sub === 'add' ? 'already has' : 'does not have'} the ${name} role.`,
      );
      return 0;
    },
  });
}

export const roleAdd = roleChange('add');
export const roleRemove = roleChange('remove');

export const roleList = command({
  usage: USAGES['role list'],
  parse(argv) {
    return parse(argv, {}, this.usage).values;
  },
  async run(ctx, values) {
    const grants = await ctx.runtime.roles.list();
    if (values.json) ctx.out(JSON.stringify(grants));
    else if (grants.length === 0) ctx.out('No roles granted.');
    else
      ctx.out(
        table([
          ['USER', 'ROLE', 'GRANTED BY', 'AT'],
          ...grants.map((g) => [g.slackUserId, g.role, g.grantedBy, iso(g.grantedAt)]),
        ]),
      );
    return 0;
  },
});
