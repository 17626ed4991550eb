#!/usr/bin/env node
// The CLI runs the compiled dist/ (built by `npm install`, `npm run build`, or the next `npm start`); no TypeScript
// loader at run time.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('harvest-keys: dist/ is not built; run `npm run build` (npm install and npm start build it too)\n');
  process.exit(1);
}
await import(entry.href);
