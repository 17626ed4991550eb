import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: [
      'test/helpers/global-setup.ts',
      'test/helpers/slack-suite-setup.ts',
      'test/helpers/secret-canary-setup.ts',
    ],
    setupFiles: ['test/helpers/secret-canary-file.ts', 'test/helpers/fast-check-seed.ts'],
    // Each test file gets its own database, so files run in parallel safely.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
