import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * Servers and the CLI bin run from dist/, as `npm start` and an operator's `harvest-keys` do: bring it up to date
 * with src/ first (milliseconds when nothing changed), so `npx vitest` after an edit never tests an old build.
 */
export default function setup() {
  const root = path.resolve(import.meta.dirname, '../..');
  const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.js'), '--if-changed'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status}); the tests need dist/`);
}
