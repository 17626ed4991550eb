#!/usr/bin/env node
// The CLI is TypeScript run through tsx, the same loader `npm start` uses, so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
