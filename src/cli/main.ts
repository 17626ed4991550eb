// Only what every run needs is imported here: `--help` and usage mistakes end before anything heavier loads (the
// configuration's schema, the logger, the database driver, the catalog); a command loads those when it runs.
import { userInfo } from 'node:os';
import { describeFatal, isExpectedFailure } from '../shared/fatal.ts';
import { createSession } from './session.ts';
import { resolve } from './command-line.ts';
import { UsageError } from './usage-error.ts';

const session = createSession();
let finishing = false;

/** Closes the runtime (stopping an embedded PostgreSQL this run started), then exits. */
function finish(code: number): void {
  if (finishing) return;
  finishing = true;
  void session.close().finally(() => process.exit(code));
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
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
  await import('../env-file.ts');
  const [{ loadConfig }, { createLogger }, { default: pino }, { openRuntime }] = await Promise.all([
    import('../config.ts'),
    import('../logger.ts'),
    import('pino'),
    import('../compose.ts'),
  ]);
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
