import type { CliRuntime } from './context.ts';

/**
 * The runtime a CLI run holds open, and how it lets go: every way out (done, an error, Ctrl-C, SIGTERM, SIGHUP, an
 * uncaught exception) closes it first, which stops an embedded PostgreSQL this run started.
 */
export function createSession() {
  let opened: Promise<CliRuntime> | undefined;
  let closing: Promise<void> | undefined;
  return {
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
