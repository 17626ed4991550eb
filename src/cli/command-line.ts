import { parse } from './args.ts';
import { type Command, command } from './command.ts';
import { check, create, edit, enable, importCsv, list, replace, revoke, show } from './commands/key-commands.ts';
import { partnerAdd, partnerEdit, partnerList } from './commands/partner-commands.ts';
import { partnerKey, pubkey } from './commands/partner-key-command.ts';
import { roleAdd, roleList, roleRemove } from './commands/role-commands.ts';
import { echo, UsageError } from './usage-error.ts';

const migrate = command({
  usage: 'harvest-keys migrate',
  parse(argv) {
    return parse(argv, {}, this.usage).values;
  },
  async run(ctx) {
    ctx.out('Migrations are up to date.');
    return 0;
  },
});

/** Two-word names are subcommands of `partner` and `role`. */
export const COMMANDS: Record<string, Command> = {
  create,
  list,
  show,
  edit,
  revoke,
  enable,
  replace,
  import: importCsv,
  check,
  'partner add': partnerAdd,
  'partner edit': partnerEdit,
  'partner list': partnerList,
  'partner key': partnerKey,
  pubkey,
  'role add': roleAdd,
  'role remove': roleRemove,
  'role list': roleList,
  migrate,
};
const GROUPS = new Set(Object.keys(COMMANDS).filter((n) => n.includes(' ')).map((n) => n.split(' ')[0] as string));

const usagesOf = (prefix: string) =>
  Object.entries(COMMANDS)
    .filter(([name]) => prefix === '' || name === prefix || name.startsWith(`${prefix} `))
    .map(([, c]) => `  ${c.usage}`)
    .join('\n');

export const HELP = `harvest-keys: manage API keys from the command line

${usagesOf('')}

Grants are "METHOD /path/:template" or the endpoint's label, e.g. "GET: List Candidates".
"harvest-keys <command> --help" prints one command's usage. Exit codes: 0 done (check: allowed), 1 refused or failed
(check: denied), 2 usage mistake.`;

export type Resolved = { help: string } | { command: Command; rest: string[] };

/** Finds the command, or the help asked for, without touching the database. */
export function resolve(argv: string[]): Resolved {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError(`no command given\n\n${HELP}`);
  if (first === '--help' || first === '-h') return { help: HELP };
  if (first === 'help') {
    if (rest.length === 0) return { help: HELP };
    if (rest.length === 1 && GROUPS.has(rest[0] as string)) return { help: `usage:\n${usagesOf(rest[0] as string)}` };
    const target = resolve(rest);
    if ('help' in target) return target;
    return { help: `usage: ${target.command.usage}` };
  }
  const [sub, ...subRest] = rest;
  const grouped = GROUPS.has(first);
  const name = grouped ? `${first} ${sub ?? ''}` : first;
  const found = COMMANDS[name];
  // `--help` anywhere before `--` asks for help: it is never a value any command takes.
  const end = argv.indexOf('--');
  const asksHelp = (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
  if (found === undefined) {
    if (grouped && (sub === undefined || asksHelp)) {
      if (asksHelp) return { help: `usage:\n${usagesOf(first)}` };
      throw new UsageError(`missing ${first} subcommand\nusage:\n${usagesOf(first)}`);
    }
    if (grouped) throw new UsageError(`unknown ${first} subcommand ${echo(sub ?? '')}\nusage:\n${usagesOf(first)}`);
    throw new UsageError(`unknown command ${echo(first)}\n\n${HELP}`);
  }
  if (asksHelp) return { help: `usage: ${found.usage}` };
  return { command: found, rest: grouped ? subRest : rest };
}
