import '../env-file.ts';
import { userInfo } from 'node:os';
import { pino } from 'pino';
import { openRuntime } from '../compose.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { describeFatal, isExpectedFailure } from '../shared/fatal.ts';
import { parse } from './args.ts';
import { type Command, command } from './command.ts';
import { check, create, edit, enable, importCsv, list, replace, revoke, show } from './commands/key-commands.ts';
import { partnerAdd, partnerEdit, partnerList } from './commands/partner-commands.ts';
import { partnerKey, pubkey } from './commands/partner-key-command.ts';
import { roleAdd, roleList, roleRemove } from './commands/role-commands.ts';
import { createSession } from './session.ts';
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
const COMMANDS: Record<string, Command> = {
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

const HELP = `harvest-keys: manage API keys from the command line

${usagesOf('')}

Grants are "METHOD /path/:template" or the endpoint's label, e.g. "GET: List Candidates".
"harvest-keys <command> --help" prints one command's usage. Exit codes: 0 done (check: allowed), 1 refused or failed
(check: denied), 2 usage mistake.`;

type Resolved = { help: string } | { command: Command; rest: string[] };

/** Finds the command, or the help asked for, without touching the database. */
function resolve(argv: string[]): Resolved {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError(`no command given\n\n${HELP}`);
  if (first === '--help' || first === '-h') return { help: HELP };
  if (first === 'help') {
    if (rest.length === 0) return { help: HELP };
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

const session = createSession();
let finishing = false;

/** Closes the runtime (stopping an embedded PostgreSQL this run started), then exits. */
function finish(code: number): void {
  if (finishing) return;
  finishing = true;
  void session.close().finally(() => process.exit(code));
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  // `once`: a second signal gets Node's default and ends the process at once, for someone who really means it.
  process.once(signal, () => {
    session.err(`harvest-keys: stopped by ${signal}`);
    finish(code);
  });
}
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    if (finishing) return;
    session.err(`harvest-keys: ${describeFatal(error)}`);
    if (error instanceof Error && error.stack) session.err(error.stack);
    finish(1);
  });
}

async function run(argv: string[]): Promise<number> {
  const resolved = resolve(argv);
  if ('help' in resolved) {
    session.out(resolved.help);
    return 0;
  }
  const args = await resolved.command.parse(resolved.rest);
  const config = loadConfig();
  // Logs go to stderr so that `--json` output on stdout stays machine-readable.
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  const runtime = await session.open(() => openRuntime(config, logger));
  try {
    return await resolved.command.run({ runtime, actor: `cli:${userInfo().username}`, out: session.out }, args);
  } finally {
    await session.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    // A signal closed the database under the command: its failure is not news.
    if (finishing) return;
    await session.close();
    if (error instanceof UsageError) {
      session.err(`harvest-keys: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    session.err(`harvest-keys: ${describeFatal(error)}`);
    if (!isExpectedFailure(error) && error instanceof Error && error.stack) session.err(error.stack);
    process.exitCode = 1;
  },
);
