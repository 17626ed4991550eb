import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { recordEvidence } from './secret-canary.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** tsx's loader by its own address: `--import tsx` would resolve from the child's cwd, which a test may move elsewhere. */
export const TSX = import.meta.resolve('tsx');

/** Generated local state (service signing key, pepper) goes to a scratch folder, never into the checkout's ./data. */
export function scratchDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'hk-data-'));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as an operator runs it: the bin, over dist/ (test/helpers/build-setup.ts keeps that current). */
export const BIN = path.join(ROOT, 'bin/harvest-keys.js');

/**
 * Runs the real CLI as a subprocess, as an operator would: from the checkout, or from `cwd`; with `input` on
 * standard input. For what only a process shows (its streams, signals, the embedded PostgreSQL it starts and stops,
 * the folder it runs from); everything else runs the same code in-process (cli-in-process.ts), in a fraction of the
 * time.
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: options.cwd ?? ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: scratchDataDir(), ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const READY_LINE = /"port":(\d+),[^\n]*"msg":"harvest-keys is ready"/;
/** Logged as soon as the HTTP listener is up, before the database is reached. */
export const LISTENING_LINE = /"port":(\d+),"msg":"listening/;

/**
 * Starts the service as `npm start` does (`node dist/main.js`, built from src/ by test/helpers/build-setup.ts) and
 * waits for its ready line (or `waitFor`), which names the port it bound.
 */
export async function startServer(
  env: Record<string, string>,
  timeoutMs = 60_000,
  waitFor = READY_LINE,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AUTHZ_PORT: '0',
      AUTHZ_HOST: '127.0.0.1',
      DATA_DIR: scratchDataDir(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const poll = setInterval(() => {
      const match = waitFor.exec(output);
      if (match !== null) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${output}`));
    });
  });
  return {
    child,
    port,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const code = await exited;
      recordEvidence(`server output (${path.basename(String(expect.getState().testPath ?? 'test'))})`, output);
      return code;
    },
  };
}
