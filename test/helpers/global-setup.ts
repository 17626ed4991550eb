import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { startEmbeddedDatabase } from '../../src/db/embedded.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { unusedLocalPort } from './local-ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    /** A database migrated once for the run, which each test file's database is copied from. */
    templateDatabase: string;
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * Tests run against real PostgreSQL: TEST_DATABASE_URL when given (CI uses the machine's server), otherwise an
 * embedded server started here for the run. Each test file then creates its own database on it, as a copy of one
 * migrated here once (copying takes a fraction of the time the migrations do).
 */
export default async function setup(project: TestProject) {
  const given = process.env.TEST_DATABASE_URL;
  let url: string;
  let stopEmbedded = async () => {};
  if (given !== undefined && given !== '') {
    url = given;
  } else {
    const dir = await mkdtemp(path.join(tmpdir(), 'harvest-keys-test-'));
    const embedded = await startEmbeddedDatabase(dir, unusedLocalPort(), createLogger('silent'));
    url = embedded.url;
    stopEmbedded = async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const template = `hk_template_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${template}`);
  } finally {
    await admin.end();
  }
  await applyMigrations(withDatabase(url, template));
  project.provide('databaseUrl', url);
  project.provide('templateDatabase', template);
  return async () => {
    const cleanup = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await cleanup.unsafe(`drop database if exists ${template} with (force)`);
    } finally {
      await cleanup.end();
    }
    await stopEmbedded();
  };
}
