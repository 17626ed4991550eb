import 'dotenv/config';
import { userInfo } from 'node:os';
import { pino } from 'pino';
import { openRuntime } from '../compose.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { isAppError } from '../shared/errors.ts';
import { describeFatal } from '../shared/fatal.ts';
import type { CliContext } from './context.ts';
import { check, create, edit, enable, importCsv, list, replace, revoke, show } from './commands/key-commands.ts';
import { partner } from './commands/partner-commands.ts';
import { pubkey } from './commands/partner-key-command.ts';
import { role } from './commands/role-commands.ts';
import { UsageError } from './usage-error.ts';

const HELP = `harvest-keys: manage API keys from the command line

  create --description D [--partner P] [--grant "GET /v1/users"]... [--all] [--json]
  list [--status active|revoked] [--partner P] [--search TEXT] [--json]
  show <id> [--json]
  edit <id> [--add "METHOD /path"]... [--remove "METHOD /path"]... [--description D]
  revoke <id> [--reason R]
  enable <id>
  replace <id> [--grace 0|30m|1h|7d]
  import <file.csv>
  check <key> <METHOD> <path>          exit 0 allowed, 1 denied
  partner add <name> [--contact U...]... [--preset "METHOD /path"]...
  partner edit <name> [--rename N] [--contact U...]... [--preset "..."]... [--remove-contact U...] [--remove-preset "..."]
  partner list [--json]
  partner key <partner> [<file.asc>|-] [--confirm <fingerprint>]   store / confirm / show the partner's PGP key
  pubkey [--json]                      the service's PGP signing key (partners verify deliveries against it)
  role add|remove <slack user id> admin|approver
  role list [--json]
  migrate

Grants are "METHOD /path/:template" or the endpoint's label, e.g. "GET: List Candidates".`;

const COMMANDS: Record<string, (ctx: CliContext, argv: string[]) => Promise<number>> = {
  create,
  list,
  show,
  edit,
  revoke,
  enable,
  replace,
  import: importCsv,
  check,
  partner,
  pubkey,
  role,
  migrate: async (ctx) => {
    ctx.out('Migrations are up to date.');
    return 0;
  },
};

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${HELP}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) throw new UsageError(`unknown command "${name}"\n\n${HELP}`);
  const config = loadConfig();
  // Logs go to stderr so that `--json` output on stdout stays machine-readable.
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  const runtime = await openRuntime(config, logger);
  try {
    return await command({ runtime, actor: `cli:${userInfo().username}`, out: (text) => process.stdout.write(`${text}\n`) }, rest);
  } finally {
    await runtime.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`harvest-keys: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`harvest-keys: ${describeFatal(error)}\n`);
    if (!isAppError(error) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  },
);
