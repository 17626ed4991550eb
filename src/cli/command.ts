import type { CliContext } from './context.ts';

/** Standard input, or what a test hands the command in its place. */
export type Stdin = AsyncIterable<Buffer | string>;

/**
 * One CLI command: its usage (printed by `--help`), a parser that checks the command line before the database is
 * opened (mistakes throw UsageError, exit 2), and the work itself.
 */
export interface Command<A = unknown> {
  usage: string;
  parse(argv: string[], stdin?: Stdin): A | Promise<A>;
  run(ctx: CliContext, args: A): Promise<number>;
  /** Runs without the database (e.g. `--help`-like commands). */
  offline?: boolean;
}

export function command<A>(spec: Command<A>): Command<unknown> {
  return spec as Command<unknown>;
}
