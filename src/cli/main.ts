// The process around a CLI run (src/cli/run.ts): its streams, its signals and its exit code. Nothing heavy is imported
// here either, so `--help` stays quick.
import { describeFatal } from '../shared/fatal.ts';
import { processIo } from './process-io.ts';
import { run } from './run.ts';
import { createSession } from './session.ts';

const io = processIo();
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
    io.err(`harvest-keys: stopped by ${signal}`);
    finish(code);
  });
}
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    if (finishing) return;
    io.err(`harvest-keys: ${describeFatal(error)}`);
    if (error instanceof Error && error.stack) io.err(error.stack);
    finish(1);
  });
}

const quietOnceFinishing = {
  ...io,
  log: io.err,
  // A signal closed the database under the command: its failure is not news.
  err(line: string) {
    if (!finishing) io.err(line);
  },
};
void run(process.argv.slice(2), quietOnceFinishing, session).then((code) => {
  process.exitCode = code;
});
