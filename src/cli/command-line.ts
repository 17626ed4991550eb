import type { Command } from './command.ts';
import { echo, UsageError } from './usage-error.ts';
import { type CommandName, USAGES } from './usages.ts';

const keyIssueCommands = () => import('./commands/key-issue-commands.ts');
const keyEditCommands = () => import('./commands/key-edit-commands.ts');
const keyLifecycleCommands = () => import('./commands/key-lifecycle-commands.ts');
const keyReadCommands = () => import('./commands/key-read-commands.ts');
const partnerCommands = () => import('./commands/partner-commands.ts');
const partnerKeyCommands = () => import('./commands/partner-key-command.ts');
const roleCommands = () => import('./commands/role-commands.ts');
const insightCommands = () => import('./commands/insight-commands.ts');

const LOADERS: Record<CommandName, () => Promise<Command>> = {
  create: async () => (await keyIssueCommands()).create,
  list: async () => (await keyReadCommands()).list,
  show: async () => (await keyReadCommands()).show,
  edit: async () => (await keyEditCommands()).edit,
  revoke: async () => (await keyLifecycleCommands()).revoke,
  enable: async () => (await keyLifecycleCommands()).enable,
  replace: async () => (await keyIssueCommands()).replace,
  upgrade: async () => (await keyIssueCommands()).upgrade,
  extend: async () => (await keyEditCommands()).extend,
  usage: async () => (await insightCommands()).usage,
  trim: async () => (await insightCommands()).trim,
  'migrate-legacy': async () => (await insightCommands()).migrateLegacy,
  import: async () => (await import('./commands/key-import-command.ts')).importCsv,
  check: async () => (await import('./commands/key-check-command.ts')).check,
  'partner add': async () => (await partnerCommands()).partnerAdd,
  'partner edit': async () => (await partnerCommands()).partnerEdit,
  'partner list': async () => (await partnerCommands()).partnerList,
  'partner archive': async () => (await partnerCommands()).partnerArchive,
  'partner unarchive': async () => (await partnerCommands()).partnerUnarchive,
  'partner key': async () => (await partnerKeyCommands()).partnerKey,
  pubkey: async () => (await partnerKeyCommands()).pubkey,
  'role add': async () => (await roleCommands()).roleAdd,
  'role remove': async () => (await roleCommands()).roleRemove,
  'role list': async () => (await roleCommands()).roleList,
  migrate: async () => (await import('./commands/migrate-command.ts')).migrate,
  endpoints: async () => (await import('./commands/catalog-commands.ts')).endpoints,
  audit: async () => (await import('./commands/audit-command.ts')).audit,
};

/**
 * A command whose module loads on first use (parsing its arguments or running it): `--help`, `help <command>` and an
 * unknown command load no command module, and a command loads only its own.
 */
function lazy(usage: string, load: () => Promise<Command>): Command {
  let loaded: Promise<Command> | undefined;
  const get = () => {
    loaded ??= load();
    return loaded;
  };
  return {
    usage,
    parse: async (argv, stdin) => (await get()).parse(argv, stdin),
    run: async (ctx, args) => (await get()).run(ctx, args),
  };
}

/** Two-word names are subcommands of `partner` and `role`. */
export const COMMANDS: Record<string, Command> = Object.fromEntries(
  (Object.keys(USAGES) as CommandName[]).map((name) => [name, lazy(USAGES[name], LOADERS[name])]),
);
const GROUPS = new Set(
  Object.keys(COMMANDS)
    .filter((n) => n.includes(' '))
    .map((n) => n.split(' ')[0] as string),
);

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
