import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_CHANGES_CHANNEL } from '../../src/db/store.ts';
import { anAdmin } from '../fixtures/actors.ts';
import { askAuthz, basic, waitUntil } from '../helpers/authz-client.ts';
import { type ServerProcess, startServer } from '../helpers/processes.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';

const IMPORT_KEYS = Number(process.env.STALENESS_IMPORT_KEYS ?? 50_000);
const MAX_STALENESS_S = 2;

let rt: TestRuntime;
let probe: postgres.Sql;
beforeAll(async () => {
  rt = await createTestRuntime();
  probe = postgres(rt.database.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await probe.end();
  await rt.dispose();
});

const status = async (port: number, secret: string) =>
  (await askAuthz(port, { authorization: basic(secret), 'x-original-method': 'GET', 'x-original-uri': '/v1/users' }))
    .status;

interface Watch {
  /** ms from the revocation's commit until each instance answered 401. */
  delays: number[];
  /** ms until each instance first refused the key (401, or 503 while it could not prove it was current). */
  refused: number[];
  /** 200s for the revoked key to requests sent more than AUTHZ_MAX_STALENESS after the commit: never allowed. */
  lateAllows: string[];
  /** 503s seen meanwhile (failing closed while behind is allowed, and counted). */
  unavailable: number;
}

/**
 * Revokes `id` and polls every instance until it answers 401. Whatever the instance is doing, a request sent more
 * than AUTHZ_MAX_STALENESS after the revocation committed must not be allowed: it is either refused (401) or the
 * instance admits it is behind (503).
 */
async function revokeAndWatch(servers: ServerProcess[], id: string, secret: string): Promise<Watch> {
  await rt.keys.revoke(id, { actor: anAdmin() });
  const committed = performance.now();
  const watch: Watch = { delays: [], refused: [], lateAllows: [], unavailable: 0 };
  await Promise.all(
    servers.map(async (server, n) => {
      let refused: number | undefined;
      const ms = await waitUntil(async () => {
        const sent = performance.now();
        const answer = await status(server.port, secret);
        if (answer !== 200) refused ??= performance.now() - committed;
        if (answer === 503) watch.unavailable++;
        if (answer === 200 && sent - committed > MAX_STALENESS_S * 1000) {
          watch.lateAllows.push(`instance ${n}: allowed ${(sent - committed).toFixed(0)} ms after the revocation`);
        }
        return answer === 401;
      }, 120_000);
      watch.delays.push(ms);
      watch.refused.push(refused ?? ms);
    }),
  );
  return watch;
}

describe('a 50k-key import on two instances', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  beforeAll(async () => {
    const env = {
      DATABASE_URL: rt.database.url,
      KEY_PEPPER: TEST_PEPPER,
      AUTHZ_MAX_STALENESS: String(MAX_STALENESS_S),
    };
    [a, b] = await Promise.all([startServer(env), startServer(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('a key revoked during the import and one revoked right after its commit are refused by both instances, never allowed past the bound', async () => {
    const during = await rt.keys.create({
      actor: anAdmin(),
      description: 'Revoked during the import',
      grants: ['GET /v1/users'],
    });
    const after = await rt.keys.create({
      actor: anAdmin(),
      description: 'Revoked after the import',
      grants: ['GET /v1/users'],
    });
    for (const server of [a, b]) {
      for (const issued of [during, after])
        await waitUntil(async () => (await status(server.port, issued.secret)) === 200);
    }
    const lines = ['key,description,partner,created_at,grants'];
    for (let i = 0; i < IMPORT_KEYS; i++)
      lines.push(`${rt.secretFormat.generate()},Imported ${i},,2016-01-01,GET /v1/users`);
    const csv = Buffer.from(lines.join('\n'));

    // The import's transaction is held open once it has written its first keys: its grants wait behind this lock
    // (a revocation writes no grants), so the revocation below always lands while the import is uncommitted, however
    // fast the machine imports.
    const holder = postgres(rt.database.url, { max: 1, onnotice: () => {} });
    let release = () => {};
    const locked = new Promise<void>((resolveLocked) => {
      void holder
        .begin(async (tx) => {
          await tx`lock table key_permissions in share mode`;
          resolveLocked();
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        })
        .finally(() => holder.end());
    });
    await locked;
    const started = performance.now();
    let importedAfterMs = 0;
    const importing = rt.importKeys(csv, anAdmin()).then((result) => {
      importedAfterMs = performance.now() - started;
      return result;
    });
    // Revoke while the import's transaction is open: it holds a write lock on api_keys until it commits.
    const writing = async () =>
      (
        await probe`select 1 from pg_locks l join pg_class c on c.oid = l.relation
                    where c.relname = 'api_keys' and l.mode = 'RowExclusiveLock' and l.pid <> pg_backend_pid()`
      ).length > 0;
    await waitUntil(async () => (await writing()) || importedAfterMs > 0, 120_000);
    const openWhenRevoked = await writing();
    let duringWatch: Awaited<ReturnType<typeof revokeAndWatch>>;
    try {
      duringWatch = await revokeAndWatch([a, b], during.key.id, during.secret);
    } finally {
      release();
    }
    const imported = await importing;
    expect(imported.imported).toHaveLength(IMPORT_KEYS);
    const afterWatch = await revokeAndWatch([a, b], after.key.id, after.secret);
    console.log(
      `${IMPORT_KEYS}-key import took ${(importedAfterMs / 1000).toFixed(1)} s; revocation → 401 on both instances: ` +
        `during the import ${duringWatch.delays.map((d) => d.toFixed(0)).join(' / ')} ms, ` +
        `right after its commit ${afterWatch.delays.map((d) => d.toFixed(0)).join(' / ')} ms; first refusal (401 or 503) ` +
        `${duringWatch.refused.map((d) => d.toFixed(0)).join(' / ')} ms and ${afterWatch.refused.map((d) => d.toFixed(0)).join(' / ')} ms ` +
        `(503 answers meanwhile: ${duringWatch.unavailable} / ${afterWatch.unavailable})`,
    );
    expect(duringWatch.lateAllows).toEqual([]);
    expect(afterWatch.lateAllows).toEqual([]);
    expect(openWhenRevoked).toBe(true);
    // A 50k-key import on a loaded machine takes longer than the default 30 s; the waits inside allow up to 120 s.
  }, 180_000);
});

describe('when the index source is slow', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({
      DATABASE_URL: rt.database.url,
      KEY_PEPPER: TEST_PEPPER,
      AUTHZ_MAX_STALENESS: String(MAX_STALENESS_S),
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const readyz = async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    return {
      status: response.status,
      body: (await response.json()) as { checks: Array<{ name: string; ok: boolean; detail?: string }> },
    };
  };

  it('a change whose load is stuck behind a lock: 503 with the reason instead of serving stale, then it catches up', async () => {
    const kept = await rt.keys.create({
      actor: anAdmin(),
      description: 'Kept while blocked',
      grants: ['GET /v1/users'],
    });
    const doomed = await rt.keys.create({
      actor: anAdmin(),
      description: 'Revoked while blocked',
      grants: ['GET /v1/users'],
    });
    for (const issued of [kept, doomed])
      await waitUntil(async () => (await status(server.port, issued.secret)) === 200);

    // A long transaction holds the partners table: every key load (it joins partners) waits behind it.
    const blocker = postgres(rt.database.url, { max: 1, onnotice: () => {} });
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holding = blocker.begin(async (tx) => {
      await tx`lock table partners in access exclusive mode`;
      locked();
      await released;
    });
    try {
      await isLocked;
      // The revocation commits (written directly: the service's own revoke would wait on the lock too) and is notified.
      await probe.begin(async (tx) => {
        await tx`update api_keys set status = 'revoked', revoked_at = now(), revoked_by = 'test' where id = ${doomed.key.id}`;
        await tx`select pg_notify(${KEY_CHANGES_CHANNEL}, ${doomed.key.id})`;
      });
      const failedClosedAfter = await waitUntil(async () => (await status(server.port, kept.secret)) === 503, 60_000);
      console.log(
        `index load blocked by a lock: /authz answered 503 after ${failedClosedAfter.toFixed(0)} ms (AUTHZ_MAX_STALENESS=${MAX_STALENESS_S} s)`,
      );
      expect(await status(server.port, doomed.secret)).toBe(503);
      const stale = await readyz();
      expect(stale.status).toBe(503);
      expect(stale.body.checks.find((c) => c.name === 'authz')).toMatchObject({
        ok: false,
        detail: expect.stringMatching(
          /applying 1 key change.*\/authz answers 503|last load failed.*\/authz answers 503/,
        ),
      });
    } finally {
      release();
      await holding;
      await blocker.end();
    }
    await waitUntil(async () => (await status(server.port, kept.secret)) === 200, 60_000);
    expect(await status(server.port, doomed.secret)).toBe(401);
    expect((await readyz()).status).toBe(200);
  });
});
