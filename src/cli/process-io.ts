import type { CliIo } from './io.ts';

/**
 * The real process's standard streams for a CLI run. A closed stdout or stderr (`| head -1`) stops output instead of
 * crashing: a reader that went away is not an error of ours, so the command finishes and cleans up. Standard input is
 * left to the commands that read it (`readStdin`): a command that does not never opens it.
 */
export function processIo(): CliIo {
  let stdoutOpen = true;
  let stderrOpen = true;
  process.stdout.on('error', () => {
    stdoutOpen = false;
  });
  process.stderr.on('error', () => {
    stderrOpen = false;
  });
  return {
    out(line: string): void {
      if (stdoutOpen) process.stdout.write(`${line}\n`);
    },
    async drain(): Promise<boolean> {
      if (!stdoutOpen || !process.stdout.writableNeedDrain) return stdoutOpen;
      await new Promise<void>((resolve) => {
        const done = () => {
          process.stdout.off('drain', done);
          process.stdout.off('close', done);
          process.stdout.off('error', done);
          resolve();
        };
        process.stdout.on('drain', done);
        process.stdout.on('close', done);
        process.stdout.on('error', done);
      });
      return stdoutOpen;
    },
    err(line: string): void {
      if (stderrOpen) process.stderr.write(`${line}\n`);
    },
  };
}
