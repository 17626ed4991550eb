import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { isAppError } from '../../src/shared/errors.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every variable config.ts reads, from its own source, so a new one is covered without touching this test. */
async function variables(): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const source = await readFile(path.join(ROOT, 'src/config.ts'), 'utf8');
  return [...new Set([...source.matchAll(/^ +([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1] as string))];
}

function details(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (isAppError(error, 'CONFIG_INVALID')) return error.details;
    throw error;
  }
  return [];
}

describe('configuration error messages (issue 10 finding 8)', () => {
  it.each([
    ['garbage', 'x y"'],
    ['upper case', 'INFO'],
    ['out of range', '99999999'],
    ['negative', '-1'],
  ])('read as one sentence for every variable given %s', async (_label, value) => {
    const names = await variables();
    expect(names).toContain('LOG_LEVEL');
    const problems = details(Object.fromEntries(names.map((n) => [n, value])));
    for (const line of problems) {
      expect(line).toMatch(/^[A-Z][A-Z0-9_]+ is (invalid|missing): expected [a-z0-9`"(/]/);
      // zod's own wording ("Invalid option: expected one of …") spliced after ours reads "expected Invalid …".
      expect(line).not.toMatch(/expected (Invalid|Expected|expected)|Invalid input|Too (big|small)|received/);
    }
  });

  it('names the log levels in words and accepts them in any case', () => {
    expect(details({ LOG_LEVEL: 'loud' })).toEqual([
      'LOG_LEVEL is invalid: expected one of fatal, error, warn, info, debug, trace, silent',
    ]);
    expect(loadConfig({ LOG_LEVEL: ' Debug ' }).logLevel).toBe('debug');
    expect(details({ NODE_ENV: 'staging' })).toEqual([
      'NODE_ENV is invalid: expected one of development, production, test',
    ]);
  });

  it('resolves DATA_DIR against the project root, not the current folder; blank means the default', () => {
    expect(loadConfig({}).dataDir).toBe(path.join(ROOT, 'data'));
    expect(loadConfig({ DATA_DIR: 'var/hk' }).dataDir).toBe(path.join(ROOT, 'var/hk'));
    expect(loadConfig({ DATA_DIR: '  ' }).dataDir).toBe(path.join(ROOT, 'data'));
    expect(loadConfig({ DATA_DIR: '/srv/hk' }).dataDir).toBe('/srv/hk');
  });
});
