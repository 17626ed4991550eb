// Only what every run needs is imported here: `--help` and usage mistakes end before anything heavier loads (the
// configuration's schema, the logger, the database driver, the catalog); a command loads those when it runs.
import { userInfo } from 'node:os';
import { resolve } from './command-line.ts';
import { describeCliFailure } from './error-text.ts';
import type { CliIo } from './io.ts';
import { createSession, type Session } from './session.ts';

/**
 * One CLI run, start to finish: the exit code it ends with (0 done, 1 refused or failed, 2 usage mistake), having
 * written its output and any error line. The runtime it opens is held in `session` (which main.ts closes on a signal)
 * and closed before this returns.
 */
export async function run(argv: string[], io: CliIo, session: Session = createSession()): Promise<number> {
  try {
    return await runCommand(argv, io, session);
  } catch (error) {
    await session.close();
    const failure = describeCliFailure(error);
    io.err(failure.text);
    if (failure.stack !== undefined) io.err(failure.stack);
    return failure.exitCode;
  }
}

async function runCommand(argv: string[], io: CliIo, session: Session): Promise<number> {
  const resolved = resolve(argv);
  if ('help' in resolved) {
    io.out(resolved.help);
    return 0;
  }
  const args = await resolved.command.parse(resolved.rest, io.stdin);
  if (io.env === undefined) await import('../env-file.ts');
  const [{ loadConfig }, { createLogger }, { openRuntime }] = await Promise.all([
    import('../config.ts'),
    import('../logger.ts'),
    import('../compose.ts'),
  ]);
  const config = io.env === undefined ? loadConfig() : loadConfig(io.env);
  // Logs go to stderr so that `--json` output on stdout stays machine-readable.
  const log = io.log ?? io.err;
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, {
    write: (line: string) => log(line.replace(/\n$/, '')),
  });
  const runtime = await session.open(() => openRuntime(config, logger));
  try {
    return await resolved.command.run(
      {
        runtime,
        actor: `cli:${userInfo().username}`,
        out: io.out,
        warn: io.err,
        stdin: io.stdin,
        ...(io.drain === undefined ? {} : { drain: io.drain }),
      },
      args,
    );
  } finally {
    await session.close();
  }
}

export type { CliIo } from './io.ts';
