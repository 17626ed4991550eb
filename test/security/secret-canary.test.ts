import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyStoredText } from '../helpers/db-snapshot.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';
import { findSecrets, recordCanary } from '../helpers/secret-canary.ts';
import { type SlackHarness, startSlackHarness } from '../helpers/slack-harness.ts';
import { secretSightings } from '../helpers/slack-traffic.ts';
import { viewSubmission } from '../helpers/slack-payloads.ts';
import { catalogFingerprint, Selection } from '../../src/slack/blocks/selection.ts';
import { CallbackId } from '../../src/slack/ui/ids.ts';

/**
 * Canary secrets made through every way a key comes to exist (service, CLI, Slack, replace, approved reveal, legacy
 * import of any shape), then pushed through the error paths that are most tempted to echo them. Each is registered
 * with the suite-wide check (secret-canary-setup.ts), which searches every test database, captured log and server
 * output after the last file; this file also checks its own database and logs at once, so a leak names this file.
 */
let rt: TestRuntime;
let slack: SlackHarness;
const logs = captureLogs('trace');
const ADMIN = 'U0CANARYADMIN';
const APPROVER = 'U0CANARYAPPROVER';
const canaries: string[] = [];
const canary = (secret: string) => {
  canaries.push(secret);
  recordCanary(secret);
  return secret;
};

beforeAll(async () => {
  rt = await createTestRuntime({ logger: logs.logger, env: { LOG_LEVEL: 'trace', APPROVALS_CHANNEL: 'C0APPROVALS' } });
  slack = await startSlackHarness(rt, { logger: logs.logger });
  await rt.roles.grant(ADMIN, 'admin', 'test');
  await rt.roles.grant(APPROVER, 'approver', 'test');
});
afterAll(async () => {
  await slack?.close();
  await rt?.dispose();
});

describe('canary secrets', () => {
  it('are made through every way a key comes to exist', async () => {
    const created = await rt.keys.create({ actor: ADMIN, description: 'Canary', grants: ['GET /v1/users'] });
    canary(created.secret);
    canary((await rt.keys.replace(created.key.id, { actor: ADMIN, graceSeconds: 3600 })).secret);

    const cli = await runCli(['create', '--description', 'Canary CLI', '--json'], {
      DATABASE_URL: rt.database.url,
      KEY_PEPPER: TEST_PEPPER,
      LOG_LEVEL: 'trace',
    });
    expect(cli.code, cli.stderr).toBe(0);
    canary((JSON.parse(cli.stdout) as { key: string }).key);
    expect(cli.stderr).not.toContain(canaries.at(-1));

    const meta = {
      f: 'create',
      p: 0,
      r: 0,
      s: Selection.of(rt.catalog, []).encode(),
      c: catalogFingerprint(rt.catalog),
      partnerId: null,
      pn: null,
      ps: 0,
      d: 'Canary Slack',
      dl: null,
      // No permissions ticked, and the dialog already asked about that.
      z: 1,
    };
    const answer = await slack.interaction(
      viewSubmission(
        ADMIN,
        {
          type: 'modal',
          id: 'V0CANARY',
          callback_id: CallbackId.permissions,
          private_metadata: JSON.stringify(meta),
          blocks: [],
        },
        {},
      ),
    );
    const shown = /hk_[0-9A-Za-z]{38}/.exec(answer.text)?.[0];
    expect(shown).toBeDefined();
    canary(shown as string);

    const request = await rt.approvals.requestCreate({ actor: ADMIN, description: 'Canary held', grants: [] });
    const decided = await rt.approvals.decide(request.id, { approver: APPROVER, decision: 'approve' });
    if (decided.outcome !== 'executed' || decided.reveal === undefined)
      throw new Error(`not executed: ${decided.outcome}`);
    canary((await rt.approvals.reveal(decided.reveal.id, ADMIN)).issued.secret);

    const legacy = canary('Legacy.Canary-0123456789-abcdefXYZ');
    await rt.importKeys(Buffer.from(`key,description,partner,created_at\n${legacy},Old canary,,2015-03-01\n`), ADMIN);
    expect(canaries).toHaveLength(6);
  });

  it('stay out of errors that could echo them', async () => {
    const legacy = canaries.at(-1) as string;
    // Importing the same legacy key again, and a row with a broken date.
    const again = await rt
      .importKeys(Buffer.from(`key,description,partner,created_at\n${legacy},Again,,2015-03-01\n`), ADMIN)
      .catch((e: Error) => e);
    expect(JSON.stringify(again, Object.getOwnPropertyNames(again ?? {}))).not.toContain(legacy);
    const broken = await rt
      .importKeys(Buffer.from(`key,description,partner,created_at\n${legacy}X,Bad,,not-a-date\n`), ADMIN)
      .catch((e: Error) => e);
    expect(String((broken as Error)?.message ?? JSON.stringify(broken))).not.toContain(legacy);
    // Checking a revoked key and a mistyped one.
    const [first] = canaries;
    const revoked = await rt.keys.list({ text: 'Canary', limit: 10 });
    for (const key of revoked.keys) await rt.keys.revoke(key.id, { actor: ADMIN, reason: 'canary' });
    const checked = await rt.keys.check(first as string, 'GET', '/v1/users').catch((e: Error) => e);
    expect(JSON.stringify(checked)).not.toContain(first);
    const typo = `${(first as string).slice(0, -1)}${(first as string).endsWith('a') ? 'b' : 'a'}`;
    const typoChecked = await rt.keys.check(typo, 'GET', '/v1/users').catch((e: Error) => e);
    expect(JSON.stringify(typoChecked, Object.getOwnPropertyNames(typoChecked ?? {}))).not.toContain(typo);
  });

  it('are nowhere in this file’s database, logs or Slack traffic but the show-once answer', async () => {
    const stored = await everyStoredText(rt.db.sql);
    expect(
      findSecrets(
        [
          { where: 'database', text: stored },
          { where: 'logs', text: logs.text() },
        ],
        canaries,
      ),
    ).toEqual([]);
    expect(secretSightings(slack.recorder.traffic, logs.text()).filter((s) => s.where !== 'show-once')).toEqual([]);
    // The database did record all of them, by digest only.
    expect((await rt.keys.list({ limit: 100 })).total).toBeGreaterThanOrEqual(6);
  });

  it('would be found: the search the suite-wide check runs does see a planted leak', () => {
    const planted = canaries[0] as string;
    const evidence = [
      { where: 'planted audit row', text: `{"details":{"note":"${planted}"}}` },
      { where: 'planted log', text: `{"msg":"oops","legacy":"${canaries.at(-1)}"}` },
    ];
    expect(findSecrets(evidence, canaries).map((s) => s.where)).toEqual([
      'planted audit row',
      'planted audit row',
      'planted log',
    ]);
  });
});
