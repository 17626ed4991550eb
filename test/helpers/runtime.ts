import { type Runtime, openRuntime } from '../../src/compose.ts';
import { loadConfig } from '../../src/config.ts';
import type { Logger } from '../../src/logger.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export const TEST_PEPPER = 'test-pepper-0123456789abcdefghijklmnopqrstuvwxyz';

export interface TestRuntime extends Runtime {
  database: TestDatabase;
  /** Closes the runtime and drops its database. */
  dispose(): Promise<void>;
}

/** The real composition root over a fresh database: the same wiring `npm start` and the CLI use. */
export async function createTestRuntime(
  options: { env?: Record<string, string>; logger?: Logger } = {},
): Promise<TestRuntime> {
  const database = await createTestDatabase();
  // Approvals are opted into by the tests about them; elsewhere a change runs at once.
  const config = loadConfig({
    DATABASE_URL: database.url,
    KEY_PEPPER: TEST_PEPPER,
    LOG_LEVEL: 'silent',
    APPROVAL_REQUIRED_FOR: 'none',
    ...options.env,
  });
  const runtime = await openRuntime(config, options.logger ?? createLogger('silent'));
  return {
    ...runtime,
    database,
    async dispose() {
      await runtime.close();
      await database.drop();
    },
  };
}
