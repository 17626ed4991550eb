import type { Stdin } from './command.ts';

/** What a CLI run talks to: the process's streams in production, arrays in tests. */
export interface CliIo {
  /** One line of output (without its newline). */
  out(line: string): void;
  /**
   * Resolves once the reader has caught up with `out` (a pipe's buffer drained): true, or false when the reader went
   * away (`| head`), so a long stream can stop. Absent: the output always has room.
   */
  drain?(): Promise<boolean>;
  /** One line for the operator: the error a run ends with. */
  err(line: string): void;
  /** One log line (JSON); `err` when absent. */
  log?(line: string): void;
  /**
   * The settings to run with, whole. Absent: the process environment with the project's `.env` under it, as an
   * operator's run reads them.
   */
  env?: Record<string, string | undefined>;
  /** What `check -` and `partner key <p> -` read; the process's standard input when absent. */
  stdin?: Stdin;
}
