import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedDatabase } from '../../src/db/embedded.ts';
import { createLogger } from '../../src/logger.ts';
import { unusedLocalPort } from './local-ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * Tests run against real PostgreSQL: TEST_DATABASE_URL when given (CI uses the machine's server), otherwise an
 * embedded server started here for the run. Each test file then creates its own database on it.
 */
export default async function setup(project: TestProject) {
  const given = process.env.TEST_DATABASE_URL;
  if (given !== undefined && given !== '') {
    project.provide('databaseUrl', given);
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'harvest-keys-test-'));
  const port = unusedLocalPort();
  const embedded = await startEmbeddedDatabase(dir, port, createLogger('silent'));
  project.provide('databaseUrl', embedded.url);
  return async () => {
    await embedded.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
