import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, migrationsPending, shippedMigrationCount } from '../../src/db/migrate.ts';
import { LISTENING_LINE, startServer } from '../helpers/processes.ts';
import { TEST_PEPPER } from '../helpers/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await database.drop();
});

describe('start-up', () => {
  it('applies migrations once when several instances start at the same moment', async () => {
    await Promise.all([applyMigrations(database.url), applyMigrations(database.url), applyMigrations(database.url)]);
    const sql = postgres(database.url, { max: 1 });
    try {
      const [row] = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
      expect(row?.n).toBe(shippedMigrationCount());
    } finally {
      await sql.end();
    }
  });

  it("asks the database whether a migration is pending by drizzle's rule: none once applied, the newest when its row is gone", async () => {
    const scratch = await createTestDatabase({ migrate: false });
    const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
    try {
      expect(await migrationsPending(sql)).toBe(true);
      await applyMigrations(scratch.url);
      expect(await migrationsPending(sql)).toBe(false);
      await sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`;
      expect(await migrationsPending(sql)).toBe(true);
    } finally {
      await sql.end();
      await scratch.drop();
    }
  });

  it('serves /healthz and /readyz, mirrors the catalog and bootstraps admins, then stops cleanly on SIGTERM', async () => {
    const server = await startServer({
      DATABASE_URL: database.url,
      KEY_PEPPER: TEST_PEPPER,
      ADMIN_SLACK_USER_IDS: 'U0BOOTADMIN',
    });
    try {
      const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.headers.get('cache-control')).toBe('no-store');
      expect(await ready.json()).toMatchObject({ status: 'ready' });
      expect(server.output()).toContain('Slack is not connected: set SLACK_BOT_TOKEN');
      // The shipped defaults name actions to hold, but without a channel nothing is held: said once at start-up.
      expect(server.output()).toContain(
        '"approvals":false,"msg":"approvals are off: APPROVALS_CHANNEL is not set, so changes apply directly',
      );
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.output()).toContain('"msg":"stopped"');
    const sql = postgres(database.url, { max: 1 });
    try {
      const [catalog] = await sql`select count(*)::int as n from catalog_endpoints where api_type = 'Harvest'`;
      expect(catalog?.n).toBe(143);
      const [admin] = await sql`select role from roles where slack_user_id = 'U0BOOTADMIN'`;
      expect(admin?.role).toBe('admin');
    } finally {
      await sql.end();
    }
  });

  it('stays up while the database is unreachable: /healthz 200, /readyz and /authz 503, the host named in its log', async () => {
    const server = await startServer(
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none', KEY_PEPPER: TEST_PEPPER },
      60_000,
      LISTENING_LINE,
    );
    try {
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        status: 'not ready',
        checks: [
          { name: 'database', ok: false },
          { name: 'authz', ok: false },
        ],
      });
      const authz = await fetch(`http://127.0.0.1:${server.port}/authz/v1/users`);
      expect(authz.status).toBe(503);
      expect(authz.headers.get('cache-control')).toBe('no-store');
      await expect
        .poll(() => server.output())
        .toContain('Cannot reach PostgreSQL at 127.0.0.1:9/none: connection refused at 127.0.0.1:9');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
