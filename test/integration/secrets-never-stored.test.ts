import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

const logs = captureLogs('trace');
let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime({ logger: logs.logger, env: { LOG_LEVEL: 'trace' } });
});
afterAll(async () => {
  await rt.dispose();
});

/** Every row of every table in the database, as text: what an attacker with a dump would have. */
async function dumpDatabase(): Promise<string> {
  const tables = await rt.db.sql<{ schema: string; name: string }[]>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_schema in ('public', 'drizzle') and table_type = 'BASE TABLE'`;
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['api_keys', 'audit_events', 'key_permissions']));
  let text = '';
  for (const table of tables) {
    const rows = await rt.db.sql.unsafe(`select row_to_json(t)::text as row from "${table.schema}"."${table.name}" t`);
    text += rows.map((r) => r.row as string).join('\n');
  }
  return text;
}

describe('plaintext keys', () => {
  it('never reach the database, the audit trail or the logs, whatever the lifecycle step', async () => {
    const secrets: string[] = [];
    await rt.partners.create({ actor: anAdmin(), name: 'Canary Partner', preset: ['GET /v1/users'] });
    const created = await rt.keys.create({ actor: anAdmin(), partner: 'Canary Partner' });
    secrets.push(created.secret);
    await rt.keys.edit(created.key.id, { actor: anAdmin(), add: ['GET /v1/jobs'] });
    const replaced = await rt.keys.replace(created.key.id, { actor: anAdmin(), graceSeconds: 60 });
    secrets.push(replaced.secret);
    await rt.keys.revoke(replaced.key.id, { actor: anAdmin(), reason: 'canary' });
    await rt.keys.enable(replaced.key.id, { actor: anAdmin() });
    const legacy = 'canaryLegacyKey0123456789abcdefXYZ';
    secrets.push(legacy);
    await rt.importKeys(
      Buffer.from(`key,description,partner,created_at\n${legacy},Canary legacy,,2015-01-01\n`),
      anAdmin(),
    );
    await rt
      .importKeys(Buffer.from(`key,description,partner,created_at\n${legacy},Canary legacy,,2015-01-01\n`), anAdmin())
      .catch(() => {});
    for (const secret of secrets) await rt.keys.check(secret, 'GET', '/v1/users');

    const dump = await dumpDatabase();
    expect(dump).toContain(created.key.id);
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(dump).not.toContain(secret);
      // Also the random body alone, in case something stripped the prefix or checksum.
      expect(dump).not.toContain(secret.slice(3, 30));
      expect(logs.text()).not.toContain(secret);
    }
  });

  it('leave the import error message clean even when the file is refused', async () => {
    const secret = 'refusedCanaryKey0123456789abcdef';
    const error = await rt
      .importKeys(Buffer.from(`key,description,partner,created_at\n${secret},,,nope\n`), anAdmin())
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect(
      JSON.stringify({ message: (error as Error).message, details: (error as { details?: unknown }).details }),
    ).not.toContain(secret);
  });
});
