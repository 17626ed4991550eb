import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
let built = false;

/**
 * Starts a service instance the way production runs it (`node dist/main.js`, compiled: a TypeScript loader would add
 * its own cost to every figure), building dist/ first when src/ changed. BENCH_PROFILE=<dir>: each instance writes a
 * CPU profile there when it stops.
 */
export function startInstance(
  env: Record<string, string>,
  children: ChildProcess[],
): Promise<{ port: number; child: ChildProcess }> {
  if (!built) {
    const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.js'), '--if-changed'], {
      stdio: 'inherit',
    });
    if (build.status !== 0) throw new Error('building dist/ failed');
    built = true;
  }
  const profile =
    process.env.BENCH_PROFILE === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`];
  const child = spawn(process.execPath, [...profile, path.join(ROOT, 'dist/main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += String(chunk);
      const match = /"port":(\d+),[^\n]*"msg":"harvest-keys is ready"/.exec(output);
      if (match !== null) resolve({ port: Number(match[1]), child });
      if (output.length > 100_000) output = output.slice(-10_000);
    });
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}: ${output.slice(-2000)}`)));
  });
}

/** SIGTERM to every instance, then waits until each has exited (they flush usage counts and close their pools). */
export async function stopInstances(children: ChildProcess[]): Promise<void> {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((child) =>
      child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined,
    ),
  );
}
