import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const DOMAIN = ['keys', 'partners', 'roles', 'approvals', 'delivery', 'audit', 'authz', 'catalog'];
const FORBIDDEN = [/^@slack\//, /^drizzle-orm/, /\/slack\//, /\/db\//];
const root = path.resolve(import.meta.dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return files(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

describe('dependency direction', () => {
  it('keeps Slack, drizzle and the database layer out of domain code', () => {
    const offences: string[] = [];
    for (const folder of DOMAIN) {
      const dir = path.join(root, folder);
      let list: string[] = [];
      try {
        list = files(dir);
      } catch {
        continue;
      }
      for (const file of list) {
        const source = readFileSync(file, 'utf8');
        for (const match of source.matchAll(
          /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
        )) {
          const specifier = match[1] ?? match[2] ?? '';
          if (FORBIDDEN.some((pattern) => pattern.test(specifier)))
            offences.push(`${path.relative(root, file)} imports ${specifier}`);
        }
      }
    }
    expect(offences).toEqual([]);
  });
});
