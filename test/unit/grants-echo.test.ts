import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.ts';
import { resolveGrants } from '../../src/catalog/resolve-grants.ts';
import type { AppError } from '../../src/shared/errors.ts';

describe('a bad permission in an error message (issue 10 finding 8)', () => {
  it('is quoted when it reads like a permission, and never when it is shaped like a key', async () => {
    const catalog = await loadCatalog(undefined);
    const key = 'hk_Zq7SecretPastedAsAPermission0123';
    const message = (grants: string[]) => {
      try {
        resolveGrants(catalog, grants);
      } catch (error) {
        // The facts reach Slack and the CLI as well: they follow the same rule as the message.
        return `${(error as Error).message} ${JSON.stringify((error as AppError).facts)}`;
      }
      throw new Error('expected a refusal');
    };
    expect(message(['GET: Lsit Candidates'])).toContain('"GET: Lsit Candidates"');
    expect(message(['GET /v1/nope'])).toContain('"GET /v1/nope"');
    expect(message([key, 'GET: Lsit Candidates'])).not.toContain(key.slice(3));
    expect(message([` ${key} `])).not.toContain(key.slice(3));
  });
});
