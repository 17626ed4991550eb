import { existsSync } from 'node:fs';
import path from 'node:path';

/** The nearest folder at or above `start` that holds package.json. */
function packageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start, '..');
  }
}

/**
 * The package root, found from this file's place in it rather than from the current folder: the CLI run from any
 * folder reads the same `.env` and the same DATA_DIR as `npm start` in the checkout. Looked up (not a fixed `..`)
 * because this code runs from src/, dist/ and the CLI's bundle in dist/cli/.
 */
export const PROJECT_ROOT = packageRoot(import.meta.dirname);
