import type { Runtime } from '../compose.ts';
import type { Stdin } from './command.ts';

export interface CliContext {
  runtime: Runtime;
  actor: string;
  out(text: string): void;
  /** The process's standard input when absent. */
  stdin?: Stdin | undefined;
}
