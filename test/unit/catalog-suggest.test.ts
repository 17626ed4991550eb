import { describe, expect, it } from 'vitest';
import { harvestCatalog } from '../../src/catalog/load-catalog.ts';
import { resolveGrants } from '../../src/catalog/resolve-grants.ts';
import { editDistance, suggestEndpoints } from '../../src/catalog/suggest.ts';
import { cliErrorText } from '../../src/cli/error-text.ts';
import { errorText } from '../../src/slack/ui/error-text.ts';
import { type AppError, isAppError } from '../../src/shared/errors.ts';

const catalog = harvestCatalog();

function refusal(grants: string[]): AppError {
  try {
    resolveGrants(catalog, grants);
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('did you mean', () => {
  it('measures edit distance, and stops counting past the limit', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
    expect(editDistance('a', 'abcdefgh', 2)).toBe(3);
  });

  it('suggests the closest endpoints by path or label, closest first; nothing for a grant far from all', () => {
    expect(suggestEndpoints(catalog, 'GET /v1/candidate')[0]?.id).toBe('GET /v1/candidates');
    expect(suggestEndpoints(catalog, 'get: list candidatez')[0]?.id).toBe('GET /v1/candidates');
    expect(suggestEndpoints(catalog, 'DELETE /v1/zzzzzzzzzzzzzzzzzzzzzzzzz')).toEqual([]);
    expect(suggestEndpoints(catalog, '')).toEqual([]);
  });

  it('puts the suggestions in the facts; a label-shaped grant is unknown, not malformed', () => {
    const error = refusal(['GET: List Candidatez', 'GET /v1/users']);
    expect(error.code).toBe('UNKNOWN_ENDPOINT');
    expect(error.facts).toMatchObject({
      grants: ['"GET: List Candidatez"'],
      suggestions: expect.arrayContaining(['GET /v1/candidates']),
      suggestionLabels: expect.arrayContaining(['GET: List Candidates']),
    });
    expect(cliErrorText(error)).toContain('Did you mean "GET /v1/candidates" (GET: List Candidates)');
    expect(errorText(error, { command: '/harvest-keys' })).toContain('Did you mean `GET /v1/candidates`');
    expect(refusal(['users please']).code).toBe('GRANT_MALFORMED');
  });
});
