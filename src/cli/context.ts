import type { Runtime } from '../compose.ts';

export interface CliContext {
  runtime: Runtime;
  actor: string;
  out(text: string): void;
}
