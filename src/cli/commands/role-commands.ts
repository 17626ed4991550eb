import { parseRole } from '../../roles/role-service.ts';
import { parse, positional } from '../args.ts';
import type { CliContext } from '../context.ts';
import { iso, table } from '../format.ts';
import { UsageError } from '../usage-error.ts';

export async function role(ctx: CliContext, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'add' || sub === 'remove') {
    const usage = `harvest-keys role ${sub} <slack user id> admin|approver`;
    const { positionals } = parse(rest, {}, usage);
    const user = positional(positionals, 0, 'slack user id', usage);
    const name = parseRole(positional(positionals, 1, 'role', usage));
    const changed = sub === 'add' ? await ctx.runtime.roles.grant(user, name, ctx.actor) : await ctx.runtime.roles.remove(user, name, ctx.actor);
    ctx.out(changed ? `${sub === 'add' ? 'Granted' : 'Removed'} ${name} ${sub === 'add' ? 'to' : 'from'} ${user}.` : `${user} ${sub === 'add' ? 'already has' : 'does not have'} the ${name} role.`);
    return 0;
  }
  if (sub === 'list') {
    const { values } = parse(rest, {}, 'harvest-keys role list [--json]');
    const grants = await ctx.runtime.roles.list();
    if (values.json) ctx.out(JSON.stringify(grants));
    else if (grants.length === 0) ctx.out('No roles granted.');
    else ctx.out(table([['USER', 'ROLE', 'GRANTED BY', 'AT'], ...grants.map((g) => [g.slackUserId, g.role, g.grantedBy, iso(g.grantedAt)])]));
    return 0;
  }
  throw new UsageError('usage: harvest-keys role add|remove|list ...');
}
