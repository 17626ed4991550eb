import { type ParseArgsConfig, parseArgs } from 'node:util';
import { AppError } from '../shared/errors.ts';
import type { Stdin } from './command.ts';
import { echo, UsageError } from './usage-error.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses one command's flags strictly: an unknown flag, a flag without its value or more arguments than the command
 * takes is a usage mistake (exit 2), found before the database is opened.
 */
export function parse<O extends Options>(argv: string[], options: O, usage: string, maxPositionals = 0) {
  const config = {
    args: argv,
    options: { ...options, json: { type: 'boolean' as const } },
    allowPositionals: true as const,
    strict: true as const,
  };
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    throw new UsageError(`${describeParseError(error as Error & { code?: string }, argv)}\nusage: ${usage}`);
  }
  if (parsed.positionals.length > maxPositionals) {
    // Only the count is named: an extra argument may be a key pasted in the wrong place.
    throw new UsageError(
      `too many arguments (${parsed.positionals.length}, at most ${maxPositionals})\nusage: ${usage}`,
    );
  }
  return parsed;
}

export function positional(positionals: string[], index: number, name: string, usage: string): string {
  const value = positionals[index];
  if (value === undefined || value.trim() === '') throw new UsageError(`missing <${name}>\nusage: ${usage}`);
  return value;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `0`, `90s`, `30m`, `1h`, `7d`. */
export function parseDuration(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (match === null) throw new UsageError('bad duration: expected e.g. 0, 30m, 1h, 7d');
  return Number(match[1]) * (UNITS[match[2] || 's'] as number);
}

/** The whole of standard input as text (a key or a PGP key piped in, so it stays out of shell history and `ps`). */
export async function readStdin(stdin: Stdin = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** node:util's own messages quote the offending argument whole; ours name it only when it cannot be a key. */
function describeParseError(error: Error & { code?: string }, argv: string[]): string {
  const token = /'(-[^'\s]*)/.exec(error.message)?.[1];
  const name = token === undefined ? 'an option' : `option ${echo(token.split('=')[0] as string)}`;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown ${name}`;
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return /argument missing/.test(error.message) ? `${name} needs a value` : `${name} takes no value`;
  }
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `too many arguments (${argv.length})`;
  return 'cannot read the command line';
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
};

/** Why a file could not be read, in words rather than an errno code. */
export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code === undefined ? undefined : FILE_ERRORS[code]) ?? (error as Error).message;
}

/** A file named on the command line that cannot be read: an expected failure (exit 1), not a bug. */
export function unreadable(file: string, error: unknown): AppError {
  return new AppError('FILE_UNREADABLE', `Cannot read ${file}: ${describeFileError(error)}`, {
    cause: error,
    field: 'file',
    facts: { file, reason: describeFileError(error) },
  });
}
