import type { CliRuntime } from './context.ts';

/**
 * What a CLI run holds open, and how it lets go: a closed stdout or stderr (`| head -1`) stops output instead of
 * crashing, and every way out (done, an error, Ctrl-C, SIGTERM, SIGHUP, an uncaught exception) closes the runtime
 * first, which stops an embedded PostgreSQL this run started.
 */
export function createSession() {
  let opened: Promise<CliRuntime> | undefined;
  let closing: Promise<void> | undefined;
  let stdoutOpen = true;
  let stderrOpen = true;
  // A reader that went away is not an error of ours: stop writing to it, finish the command, clean up.
  process.stdout.on('error', () => {
    stdoutOpen = false;
  });
  process.stderr.on('error', () => {
    stderrOpen = false;
  });

  return {
    out(text: string): void {
      if (stdoutOpen) process.stdout.write(`${text}\n`);
    },
    err(text: string): void {
      if (stderrOpen) process.stderr.write(`${text}\n`);
    },
    /** Remembers the runtime being opened, so a signal that arrives while it starts still closes it once it is up. */
    open(start: () => Promise<CliRuntime>): Promise<CliRuntime> {
      opened = start();
      return opened;
    },
    /** Idempotent. A runtime that failed to open has already closed what it had opened. */
    close(): Promise<void> {
      closing ??= (opened ?? Promise.resolve(undefined)).then(
        (runtime) => runtime?.close(),
        () => undefined,
      );
      return closing;
    },
  };
}

export type Session = ReturnType<typeof createSession>;
