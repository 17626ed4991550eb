import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { capturedLogs } from './log-capture.ts';
import { recordEvidence } from './secret-canary.ts';

// Setup file: after each test file, its captured logs go to the suite-wide secret check.
afterAll(() => {
  recordEvidence(`logs of ${path.basename(String(expect.getState().testPath ?? 'a test file'))}`, capturedLogs());
});
