import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServer } from '../helpers/processes.ts';
import { unusedLocalPort } from '../helpers/local-ports.ts';

let dataDir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'hk-embedded-'));
  env = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(unusedLocalPort()), LOG_LEVEL: 'info' };
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('zero-configuration mode (embedded PostgreSQL)', () => {
  it('starts on a fresh data folder, shares its data with the CLI while running and after it stops', async () => {
    const server = await startServer(env, 120_000);
    let key: string;
    try {
      expect(server.output()).toContain('initialising embedded PostgreSQL (first start)');
      expect(server.output()).toContain('generated a key pepper');
      expect((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status).toBe(200);
      const created = await runCli(['create', '--description', 'Embedded', '--grant', 'GET /v1/users', '--json'], env);
      expect(created.code).toBe(0);
      key = (JSON.parse(created.stdout) as { key: string }).key;
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.output()).toContain('embedded PostgreSQL stopped');
    // The server is gone: the CLI starts the database itself, finds the key, and stops the database again.
    const checked = await runCli(['check', key, 'GET', '/v1/users'], env);
    expect(checked).toMatchObject({ code: 0 });
    const restarted = await startServer(env, 120_000);
    try {
      expect(restarted.output()).not.toContain('first start');
      expect(restarted.output()).not.toContain('generated a key pepper');
    } finally {
      expect(await restarted.stop()).toBe(0);
    }
  });
});
