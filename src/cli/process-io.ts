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
    err(line: string): void {
      if (stderrOpen) process.stderr.write(`${line}\n`);
    },
  };
}
