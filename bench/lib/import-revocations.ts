import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Probe {
  secret: string;
  method: string;
  path: string;
}

export interface ImportRevocationFigures {
  importSeconds: number;
  /** Per revocation and instance: ms from the commit until the first refusal (401, or 503 while behind) and until 401. */
  during: { refused: number[]; denied: number[] };
  after: { refused: number[]; denied: number[] };
}

/**
 * Revocation while an operator imports `keys` legacy keys with the CLI (a process of its own, as in production),
 * and right after the import commits: each revoked key is polled on every instance until it is refused.
 */
export async function revocationsDuringImport(options: {
  root: string;
  env: Record<string, string>;
  keys: number;
  newSecret: () => string;
  victims: Array<{ id: string; probe: Probe }>;
  instances: number[];
  ask: (port: number, probe: Probe) => Promise<number>;
  revoke: (id: string) => Promise<void>;
  afterCommit: number;
}): Promise<ImportRevocationFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hk-bench-import-'));
  const file = path.join(dir, 'keys.csv');
  const lines = ['key,description,partner,created_at,grants'];
  for (let i = 0; i < options.keys; i++) lines.push(`${options.newSecret()},Imported ${i},,2016-01-01,GET /v1/users`);
  writeFileSync(file, lines.join('\n'));
  const figures: ImportRevocationFigures = {
    importSeconds: 0,
    during: { refused: [], denied: [] },
    after: { refused: [], denied: [] },
  };
  const victims = [...options.victims];

  const measure = async (into: { refused: number[]; denied: number[] }) => {
    const victim = victims.shift();
    if (victim === undefined) throw new Error('not enough victims for the import measurement');
    for (const port of options.instances) {
      if ((await options.ask(port, victim.probe)) !== 200) throw new Error('victim not allowed before revocation');
    }
    await options.revoke(victim.id);
    const committed = performance.now();
    await Promise.all(
      options.instances.map(async (port) => {
        let refused: number | undefined;
        for (;;) {
          const status = await options.ask(port, victim.probe);
          if (status !== 200) refused ??= performance.now() - committed;
          if (status === 401) break;
          if (performance.now() - committed > 60_000) throw new Error('revocation not applied within 60 s');
        }
        into.refused.push(refused as number);
        into.denied.push(performance.now() - committed);
      }),
    );
  };

  try {
    const started = performance.now();
    const cli = spawn(process.execPath, [path.join(options.root, 'bin/harvest-keys.js'), 'import', file, '--json'], {
      cwd: options.root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dir, ...options.env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    let exitCode: number | null | undefined;
    const exited = new Promise<void>((resolve) =>
      cli.once('exit', (code) => {
        exitCode = code;
        figures.importSeconds = (performance.now() - started) / 1000;
        resolve();
      }),
    );
    while (exitCode === undefined) await measure(figures.during);
    await exited;
    if (exitCode !== 0) throw new Error(`the import exited with ${exitCode}`);
    for (let i = 0; i < options.afterCommit; i++) await measure(figures.after);
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
