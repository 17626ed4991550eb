import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRequestPath } from '../../src/catalog/path-matcher.ts';

/** The rule spelled out one segment at a time: the hot path's single-scan shortcut must always agree with it. */
function perSegment(target: string): string[] | undefined {
  if (target.length === 0 || target.length > 2048 || target.includes('#')) return undefined;
  let path = target.split('?')[0] as string;
  if (!path.startsWith('/')) {
    const absolute = /^https?:\/\/[A-Za-z0-9.:[\]-]+(\/.*)?$/i.exec(path);
    if (absolute === null) return undefined;
    path = absolute[1] ?? '/';
  }
  if (path === '/') return [];
  if (path.endsWith('/')) path = path.slice(0, -1);
  const out: string[] = [];
  for (const piece of path.split('/').slice(1)) {
    if (piece === '') return undefined;
    let decoded: string;
    try {
      decoded = decodeURIComponent(piece);
    } catch {
      return undefined;
    }
    const printableAscii = [...decoded].every((c) => c >= '!' && c <= '~');
    if (!printableAscii || decoded.endsWith('.') || /[\\/;%?#]/.test(decoded)) return undefined;
    out.push(decoded);
  }
  return out;
}

describe('request path normalisation', () => {
  it('gives the same answer as the per-segment rule for any path built from tricky pieces', () => {
    const piece = fc.constantFrom(
      '/',
      '.',
      '..',
      'v1',
      'users',
      '42',
      '%2e',
      '%2F',
      '%',
      '%41',
      '\\',
      '\u0001',
      '?',
      '#',
      'x.y',
      '//',
      '.well',
      'http://h',
      ';',
      '%3b',
      '%25',
      ' ',
      '%20',
      '\u007f',
      '\uff0e',
      '%EF%BC%8E',
      'é',
      '~',
      'user@h',
      '%5c',
      '%C0%AE',
      '\t',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const target = pieces.join('');
        expect(normalizeRequestPath(target)).toEqual(perSegment(target));
      }),
      { numRuns: 20_000 },
    );
  });
});
