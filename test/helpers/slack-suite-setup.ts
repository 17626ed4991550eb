import { readdir, readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { secretSightings, type SlackTraffic } from './slack-traffic.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    slackTrafficDir: string;
  }
}

/**
 * Suite-wide proof that no secret leaves through Slack except in its show-once view: every Slack test file's
 * recorder appends what it saw to a folder here, and after the last file this reads it all and fails the run on a
 * sighting anywhere else. Each file also checks its own traffic, so a leak names the file that caused it.
 */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(tmpdir(), 'hk-slack-traffic-'));
  project.provide('slackTrafficDir', dir);
  return async () => {
    const traffic: SlackTraffic[] = [];
    for (const file of await readdir(dir)) {
      for (const line of (await readFile(path.join(dir, file), 'utf8')).split('\n')) {
        if (line.trim() !== '') traffic.push(JSON.parse(line) as SlackTraffic);
      }
    }
    await rm(dir, { recursive: true, force: true });
    const leaks = secretSightings(traffic, '').filter((s) => s.where !== 'show-once');
    if (leaks.length > 0) {
      // Vitest reports an error thrown here but still exits 0; the exit code is what CI reads.
      process.exitCode = 1;
      throw new Error(
        `A secret left the app outside its show-once view: ${leaks.map((l) => `${l.secret.slice(0, 6)}… in ${l.where}`).join(', ')}`,
      );
    }
    if (traffic.length > 0) {
      console.log(
        `Slack traffic check: ${traffic.length} bodies sent to Slack across the suite; secrets only in show-once views.`,
      );
    }
  };
}
