import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../../src/config.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const documented = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1] as string);

describe("the README's configuration table", () => {
  it('documents every setting config.ts reads, and no setting it does not', () => {
    expect([...documented].sort()).toEqual([...SETTING_NAMES].sort());
  });

  it('documents each setting once', () => {
    expect(documented.filter((name, i) => documented.indexOf(name) !== i)).toEqual([]);
  });
});

describe('.env.example', () => {
  it('shows every setting config.ts reads, so a copied .env names them all', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const shown = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1] as string));
    expect([...SETTING_NAMES].filter((name) => !shown.has(name))).toEqual([]);
  });
});
