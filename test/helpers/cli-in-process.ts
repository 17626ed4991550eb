import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { run } from '../../src/cli/run.ts';
import { type CliResult, scratchDataDir } from './processes.ts';
import { recordEvidence } from './secret-canary.ts';

/**
 * Runs a CLI command in this process through the same `run()` the bin calls: same parsing, configuration, runtime,
 * output and exit code, without a Node start per command. `env` is the whole environment the command sees (no
 * `.env` file is read); `input` is its standard input.
 */
export async function runCliInProcess(
  args: string[],
  env: Record<string, string>,
  options: { input?: string } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    out: (line) => {
      stdout += `${line}\n`;
    },
    err: (line) => {
      stderr += `${line}\n`;
    },
    env: { DATA_DIR: scratchDataDir(), ...env },
    stdin: Readable.from(options.input === undefined ? [] : [Buffer.from(options.input)]),
  });
  // What the operator sees besides the output asked for (errors, logs) goes to the suite-wide secret check.
  recordEvidence(`CLI stderr (${path.basename(String(expect.getState().testPath ?? 'test'))})`, stderr);
  return { code, stdout, stderr };
}
