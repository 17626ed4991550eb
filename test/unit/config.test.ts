import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { isAppError } from '../../src/shared/errors.ts';

function configError(env: Record<string, string>): Error {
  try {
    loadConfig(env);
  } catch (error) {
    expect(isAppError(error, 'CONFIG_INVALID')).toBe(true);
    return error as Error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('starts with no settings at all: embedded database, port 3001, Harvest catalog', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'embedded', port: 54329 });
    expect(config.authz.port).toBe(3001);
    expect(config.keyPrefix).toBe('hk');
    expect(config.legacyCutoff.toISOString()).toBe('2017-01-18T00:00:00.000Z');
  });

  it('requires KEY_PEPPER once DATABASE_URL is set', () => {
    expect(configError({ DATABASE_URL: 'postgres://h/db' }).message).toMatch(/KEY_PEPPER is missing: expected at least 32 random characters, required when DATABASE_URL is set/);
  });

  it('names every bad variable and the shape it should have, in one message', () => {
    const error = configError({
      DATABASE_URL: 'mysql://nope',
      KEY_PEPPER: 'short',
      AUTHZ_PORT: 'eighty',
      KEY_PREFIX: 'Bad_Prefix',
      LEGACY_CUTOFF: '18/01/2017',
      ADMIN_SLACK_USER_IDS: 'U012ABC,alice',
    });
    for (const name of ['DATABASE_URL', 'KEY_PEPPER', 'AUTHZ_PORT', 'KEY_PREFIX', 'LEGACY_CUTOFF', 'ADMIN_SLACK_USER_IDS']) {
      expect(error.message).toContain(`${name} is invalid`);
    }
    expect(error.message).toContain('e.g. postgres://');
    expect(error.message).toContain('YYYY-MM-DD');
  });

  it('parses admin ids and treats blank optional values as unset', () => {
    const config = loadConfig({ ADMIN_SLACK_USER_IDS: ' U012ABCDEF , W0ABCDEF ', CATALOG_FILE: ' ', DATABASE_URL: '' });
    expect(config.adminSlackUserIds).toEqual(['U012ABCDEF', 'W0ABCDEF']);
    expect(config.catalogFile).toBeUndefined();
    expect(config.database.kind).toBe('embedded');
  });
});
