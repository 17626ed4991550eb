import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/shared/errors.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';

/**
 * SQL metacharacters in every text a person can type: each is stored and given back exactly as typed, or refused
 * with a clear message (never a database error), and afterwards every table is still there with its rows.
 */
let rt: TestRuntime;
const ACTOR = 'U0SQLADMIN';

const INJECTIONS = [
  "'; drop table api_keys; --",
  "' or '1'='1",
  '%',
  '_',
  '\\',
  '\\%',
  '"; select pg_sleep(5); --',
  '$1 $$ $tag$',
  'Ünïcödé 日本語 🚀',
  'a\u0000b',
];
/** NUL cannot be stored in PostgreSQL text; it must be refused before the database sees it. */
const storable = (value: string) => !value.includes('\u0000');

let tablesBefore: string[];
async function tables(): Promise<string[]> {
  return (
    await rt.db.sql<
      { name: string }[]
    >`select table_name as name from information_schema.tables where table_schema = 'public' order by 1`
  ).map((r) => r.name);
}

beforeAll(async () => {
  rt = await createTestRuntime({ env: { APPROVALS_CHANNEL: 'C0APPROVALS' } });
  tablesBefore = await tables();
});
afterAll(async () => {
  await rt?.dispose();
});

async function outcome<T>(run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; message: string }> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    // A refusal is an AppError with a message for a person, not a driver error leaking SQL.
    expect(isAppError(error), String(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).not.toMatch(/syntax error|postgres|invalid byte sequence|relation /i);
    return { ok: false, message };
  }
}

describe('SQL metacharacters in text inputs', () => {
  it('key descriptions are stored verbatim (or refused), and searching for them finds exactly them', async () => {
    const plain = await rt.keys.create({ actor: ACTOR, description: 'Plain description', grants: [] });
    for (const text of INJECTIONS) {
      const created = await outcome(() => rt.keys.create({ actor: ACTOR, description: `K ${text}`, grants: [] }));
      if (!storable(text)) {
        expect(created.ok, JSON.stringify(text)).toBe(false);
        continue;
      }
      expect(created.ok, JSON.stringify(text)).toBe(true);
      if (!created.ok) continue;
      const id = created.value.key.id;
      expect((await rt.keys.get(id)).description).toBe(`K ${text}`);
      // The search is a literal substring match: wildcards and quotes find only keys that contain them.
      const found = await rt.keys.list({ text, limit: 1000 });
      expect(
        found.keys.map((k) => k.id),
        JSON.stringify(text),
      ).toContain(id);
      expect(
        found.keys.every((k) =>
          `${k.description} ${k.partnerName ?? ''} ${k.id}`.toLowerCase().includes(text.trim().toLowerCase()),
        ),
        JSON.stringify(text),
      ).toBe(true);
      if (!`${plain.key.description} ${plain.key.id}`.toLowerCase().includes(text.trim().toLowerCase()))
        expect(found.keys.map((k) => k.id)).not.toContain(plain.key.id);
    }
  });

  it('partner names, renames and revoke reasons are stored verbatim (or refused)', async () => {
    for (const [i, text] of INJECTIONS.entries()) {
      const name = `P${i} ${text}`;
      const created = await outcome(() => rt.partners.create({ actor: ACTOR, name }));
      if (!storable(text)) {
        expect(created.ok).toBe(false);
        const { key } = await rt.keys.create({ actor: ACTOR, description: 'NUL reason', grants: [] });
        expect((await outcome(() => rt.keys.revoke(key.id, { actor: ACTOR, reason: text }))).ok).toBe(false);
        expect((await rt.keys.get(key.id)).status).toBe('active');
        continue;
      }
      expect(created.ok, name).toBe(true);
      expect((await rt.partners.get(name)).name).toBe(name);
      const renamed = `R${i} ${text}`;
      await rt.partners.edit(name, { actor: ACTOR, rename: renamed });
      expect((await rt.partners.get(renamed)).name).toBe(renamed);
      const { key } = await rt.keys.create({ actor: ACTOR, partner: renamed, grants: [] });
      expect((await rt.keys.get(key.id)).partnerName).toBe(renamed);
      const revoked = await outcome(() => rt.keys.revoke(key.id, { actor: ACTOR, reason: text }));
      expect(revoked.ok, JSON.stringify(text)).toBe(true);
      const audit = await rt.store.audit.list({ limit: 1000 });
      expect(
        audit.some(
          (e) => e.keyId === key.id && JSON.stringify(e.details ?? {}).includes(JSON.stringify(text).slice(1, -1)),
        ),
      ).toBe(true);
    }
  });

  it('deny reasons are stored verbatim (or refused)', async () => {
    await rt.roles.grant('U0SQLAPPROVER', 'approver', ACTOR);
    for (const text of INJECTIONS) {
      const request = await rt.approvals.requestCreate({ actor: ACTOR, description: 'Held', grants: [] });
      const decided = await outcome(() =>
        rt.approvals.decide(request.id, { approver: 'U0SQLAPPROVER', decision: 'deny', reason: text }),
      );
      if (!storable(text)) expect(decided.ok).toBe(false);
      else {
        expect(decided.ok, JSON.stringify(text)).toBe(true);
        const [row] = await rt.db.sql<
          { reason: string | null }[]
        >`select reason from approval_decisions where request_id = ${request.id}`;
        expect(row?.reason).toBe(text);
      }
    }
  });

  it('imported CSV fields are stored verbatim (or the row is refused)', async () => {
    const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
    for (const [i, text] of INJECTIONS.entries()) {
      const legacy = `LegacyKey-${i}-0123456789abcdef`;
      const csv = `key,description,partner,created_at\n${quote(legacy)},${quote(`D ${text}`)},,2015-03-01\n`;
      const imported = await outcome(() => rt.importKeys(Buffer.from(csv), ACTOR));
      if (!storable(text)) continue;
      expect(imported.ok, JSON.stringify(text)).toBe(true);
      const found = await rt.keys.list({ text: `D ${text}`, limit: 10 });
      expect(found.keys.map((k) => k.description)).toContain(`D ${text}`);
    }
  });

  it('CLI arguments are stored and searched verbatim', async () => {
    const env = { DATABASE_URL: rt.database.url, KEY_PEPPER: TEST_PEPPER, LOG_LEVEL: 'warn' };
    const text = "'; drop table api_keys; -- % _ \\";
    const created = await runCli(['create', '--description', `Cli ${text}`, '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    const listed = await runCli(['list', '--search', text, '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const keys = JSON.parse(listed.stdout) as { id: string; description: string }[];
    expect(keys.map((k) => k.id)).toEqual([id]);
    expect(keys[0]?.description).toBe(`Cli ${text}`);
    const refused = await runCli(['partner', 'add', 'bad\u0001name'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).not.toMatch(/postgres|syntax error/i);
  });

  it('leaves every table in place with its rows', async () => {
    expect(await tables()).toEqual(tablesBefore);
    const [row] = await rt.db.sql<{ n: string }[]>`select count(*)::text as n from api_keys`;
    expect(Number(row?.n)).toBeGreaterThan(INJECTIONS.length);
  });
});
