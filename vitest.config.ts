import { defineConfig } from 'vitest/config';

/**
 * Two tiers. `unit` (`npm run test:unit`): no database, no servers, no subprocesses; the domain rules, parsers,
 * Block Kit builders and property tests, in seconds. `integration`: everything against real PostgreSQL (each file in
 * its own database), the real Bolt app driven by signed requests, server processes and the CLI. `npm test` runs both.
 */
const UNIT = [
  'test/unit/**/*.test.ts',
  // Property tests of pure parsers and the permission rule: no database either.
  'test/security/ambiguous-targets.property.test.ts',
  'test/security/parsers.property.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // Most integration files wait (on PostgreSQL, a server process, Slack's retry timers) far more than they compute:
    // on 2 cores, 3 files at a time keep both busy (the default, one fewer than the cores, runs them one by one).
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT,
          // Pure modules and no shared state worth guarding: one module graph per worker, not one per file, halves
          // the tier's time (most of it is importing the catalog and the builders).
          isolate: false,
          globalSetup: ['test/helpers/secret-canary-setup.ts'],
          setupFiles: [
            'test/helpers/no-database.ts',
            'test/helpers/secret-canary-file.ts',
            'test/helpers/fast-check-seed.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: UNIT,
          globalSetup: [
            'test/helpers/build-setup.ts',
            'test/helpers/global-setup.ts',
            'test/helpers/slack-suite-setup.ts',
            'test/helpers/secret-canary-setup.ts',
          ],
          setupFiles: ['test/helpers/secret-canary-file.ts', 'test/helpers/fast-check-seed.ts'],
        },
      },
    ],
  },
});
