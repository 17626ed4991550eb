import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { findSecrets } from './secret-canary.ts';

/**
 * After the whole run: every database a test file created (dumped, every table, before it was dropped), every log a
 * test captured and every server's output, searched for every canary secret and every key-shaped string. One
 * sighting fails the run, naming where.
 */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(tmpdir(), 'hk-secret-canary-'));
  project.provide('secretCanaryDir', dir);
  return async () => {
    const evidence: { where: string; text: string }[] = [];
    const canaries: string[] = [];
    for (const name of await readdir(dir)) {
      for (const line of (await readFile(path.join(dir, name), 'utf8')).split('\n')) {
        if (line.trim() === '') continue;
        if (name.endsWith('.canaries.jsonl')) canaries.push(JSON.parse(line) as string);
        else evidence.push(JSON.parse(line) as { where: string; text: string });
      }
    }
    await rm(dir, { recursive: true, force: true });
    const leaks = findSecrets(evidence, canaries);
    if (leaks.length > 0) {
      process.exitCode = 1;
      throw new Error(
        `A secret was stored or logged: ${leaks
          .slice(0, 10)
          .map((l) => `${l.secret.slice(0, 6)}… in ${l.where}`)
          .join('; ')}`,
      );
    }
    if (evidence.length > 0) {
      const databases = evidence.filter((e) => e.where.startsWith('database')).length;
      console.log(
        `Secret canary check: ${canaries.length} canaries and key-shaped strings searched in ${databases} databases and ${evidence.length - databases} logs; none found.`,
      );
    }
  };
}
