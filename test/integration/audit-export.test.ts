import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalService } from '../../src/approvals/approval-service.ts';
import { createAuditService } from '../../src/audit/audit-service.ts';
import { createAuditReader } from '../../src/db/repositories/audit-reader.ts';
import { createKeyService } from '../../src/keys/key-service.ts';
import { anAdmin } from '../fixtures/actors.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { ROOT, scratchDataDir } from '../helpers/processes.ts';
import { createTestRuntime, TEST_PEPPER, type TestRuntime } from '../helpers/runtime.ts';
import { recordCanary, recordEvidence } from '../helpers/secret-canary.ts';

let rt: TestRuntime;
let env: Record<string, string>;
const admin = anAdmin();
const approver = 'U0AUDITAPPR';
const cliActor = `cli:${userInfo().username}`;
const secrets: string[] = [];
let slackKey: string;
let cliKey: string;
let leakedKey: string;
let graceKey: string;

interface Line {
  id: number;
  time: string;
  action: string;
  key: string | null;
  partner: string | null;
  actor: string;
  source: string;
  reason: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  details: Record<string, unknown> | null;
}

const keep = (secret: string) => {
  recordCanary(secret);
  secrets.push(secret);
};

async function exported(...args: string[]): Promise<Line[]> {
  const result = await runCli(['audit', ...args, '--json'], env);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  recordEvidence('audit --json', result.stdout);
  return result.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

beforeAll(async () => {
  rt = await createTestRuntime();
  env = { DATABASE_URL: rt.database.url, KEY_PEPPER: TEST_PEPPER, LOG_LEVEL: 'warn' };
  await rt.roles.grant(approver, 'approver', 'cli:setup');

  // A change made as a Slack user (the listeners call the services with the person's user id).
  const partner = await rt.partners.create({ actor: admin, name: 'Audit Export Partner' });
  const made = await rt.keys.create({ actor: admin, description: 'Made in Slack', partner: partner.name });
  keep(made.secret);
  slackKey = made.key.id;

  // An operator's change.
  const created = await runCli(['create', '--description', 'Made at the terminal', '--json'], env);
  const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };
  keep(key);
  cliKey = id;
  expect((await runCli(['revoke', cliKey, '--reason', 'rotated\nby ops'], env)).code).toBe(0);

  // An approved change: requested by the admin, carried out by the four-eyes rule.
  const approvals = createApprovalService({
    store: rt.store,
    keys: rt.keys,
    policy: {
      requiredFor: new Set(['permissions']),
      approvalsRequired: 1,
      channel: 'C0APPROVALS',
      ttlHours: 24,
      revealTtlHours: 24,
    },
  });
  const request = await approvals.requestEdit(slackKey, { actor: admin, add: ['GET /v1/users'] });
  expect((await approvals.decide(request.id, { approver, decision: 'approve' })).outcome).toBe('executed');

  // A leak report's revocation, and a replacement's grace period ended by the service's sweep.
  const leaked = await rt.keys.create({ actor: admin, description: 'Leaked' });
  keep(leaked.secret);
  leakedKey = leaked.key.id;
  await rt.keys.revoke(leakedKey, { actor: 'github-secret-scanning', reason: 'leaked: https://github.com/o/r/x' });
  const graced = await rt.keys.create({ actor: admin, description: 'Graced' });
  keep(graced.secret);
  graceKey = graced.key.id;
  keep((await rt.keys.replace(graceKey, { actor: admin, graceSeconds: 60 })).secret);
  const later = createKeyService({
    store: rt.store,
    catalog: rt.catalog,
    secretFormat: rt.secretFormat,
    digest: rt.digest,
    legacyCutoff: rt.config.legacyCutoff,
    now: () => new Date(Date.now() + 3_600_000),
  });
  expect(await later.revokeDue()).toEqual([graceKey]);

  // Events at known times (inserts are what the append-only table allows), and one from before sources were recorded.
  await rt.db.sql`
    insert into audit_events (at, actor, action, key_id, details, source) values
      ('2020-01-01T00:00:00Z', 'U0TIMED', 'key.revoked', ${slackKey}, '{"reason":"first"}', 'slack'),
      ('2020-01-05T00:00:00Z', 'U0TIMED', 'key.enabled', ${slackKey}, null, 'slack'),
      ('2020-01-10T00:00:00Z', 'U0TIMED', 'key.revoked', ${slackKey}, '{"reason":"third"}', 'slack')`;
  await rt.db.sql`
    insert into audit_events (actor, action, key_id, details) values
      ('cli:old', 'key.edited', ${cliKey}, null),
      ('system', 'key.revoked', 'key_BeforeSources1', '{"reason":"grace period ended"}')`;
});
afterAll(async () => {
  await rt?.dispose();
});

describe('harvest-keys audit --json', () => {
  it('gives every event oldest first, one JSON object per line, in a fixed shape without any secret', async () => {
    const result = await runCli(['audit', '--json'], env);
    expect(result.code).toBe(0);
    for (const secret of secrets) expect(result.stdout).not.toContain(secret);
    const lines = await exported();
    const [total] = await rt.db.sql`select count(*)::int as n from audit_events`;
    expect(lines).toHaveLength(total?.n as number);
    expect(lines.map((l) => l.id)).toEqual([...lines.map((l) => l.id)].sort((a, b) => a - b));
    for (const line of lines) {
      expect(Object.keys(line)).toEqual([
        'id',
        'time',
        'action',
        'key',
        'partner',
        'actor',
        'source',
        'reason',
        'before',
        'after',
        'details',
      ]);
      expect(new Date(line.time).toISOString()).toBe(line.time);
    }
    const created = lines.find((l) => l.key === slackKey && l.action === 'key.created');
    expect(created).toMatchObject({ actor: admin, source: 'slack', partner: expect.stringMatching(/^ptn_/) });
    expect(created?.after).toMatchObject({ description: 'Made in Slack', status: 'active' });
    expect(JSON.stringify(created)).not.toMatch(/digest|secret/i);
  });

  it('names the source of each writer: Slack, the CLI, an approval, secret scanning and the grace-period sweep', async () => {
    const lines = await exported();
    const of = (key: string, action: string) => lines.filter((l) => l.key === key && l.action === action);
    expect(of(slackKey, 'key.created')).toMatchObject([{ source: 'slack', actor: admin }]);
    expect(of(cliKey, 'key.created')).toMatchObject([{ source: 'cli', actor: cliActor }]);
    expect(of(cliKey, 'key.revoked')).toMatchObject([{ source: 'cli', actor: cliActor, reason: 'rotated\nby ops' }]);
    // The approved edit runs as its requester, but came through the approval.
    expect(of(slackKey, 'key.edited')).toMatchObject([
      { source: 'approvals', actor: admin, details: { added: ['GET /v1/users'] } },
    ]);
    expect(of(slackKey, 'approval.requested')).toMatchObject([{ source: 'approvals', actor: admin }]);
    expect(of(slackKey, 'approval.decided')).toMatchObject([{ source: 'approvals', actor: approver }]);
    expect(of(slackKey, 'approval.executed')).toMatchObject([{ source: 'approvals' }]);
    expect(of(leakedKey, 'key.revoked')).toMatchObject([
      { source: 'secret-scanning', actor: 'github-secret-scanning', reason: 'leaked: https://github.com/o/r/x' },
    ]);
    expect(of(graceKey, 'key.replaced')).toMatchObject([{ source: 'slack', actor: admin }]);
    expect(of(graceKey, 'key.revoked')).toMatchObject([
      { source: 'authz', actor: 'system', reason: 'grace period ended' },
    ]);
    expect(lines.filter((l) => l.action === 'role.granted')).toMatchObject([{ source: 'cli', actor: 'cli:setup' }]);
    // Written before sources were recorded (null in the row): derived from the actor.
    expect(lines.find((l) => l.actor === 'cli:old')).toMatchObject({ source: 'cli' });
    expect(lines.find((l) => l.key === 'key_BeforeSources1')).toMatchObject({ actor: 'system', source: 'authz' });
  });
});

describe('harvest-keys audit filters', () => {
  it('--key gives only that key’s events', async () => {
    const lines = await exported('--key', cliKey);
    expect(lines.map((l) => l.action)).toEqual(['key.created', 'key.revoked', 'key.edited']);
    expect(new Set(lines.map((l) => l.key))).toEqual(new Set([cliKey]));
  });

  it('--actor gives only what that actor did', async () => {
    const lines = await exported('--actor', approver);
    expect(lines.map((l) => l.action)).toEqual(['approval.decided']);
    expect((await exported('--actor', cliActor)).map((l) => [l.key, l.action])).toEqual([
      [cliKey, 'key.created'],
      [cliKey, 'key.revoked'],
    ]);
  });

  it('--since is inclusive and --until exclusive, as dates, date-times or how long ago', async () => {
    const between = await exported('--since', '2020-01-01', '--until', '2020-01-10T00:00:00Z');
    expect(between.map((l) => l.time)).toEqual(['2020-01-01T00:00:00.000Z', '2020-01-05T00:00:00.000Z']);
    const fromSecond = await exported('--since', '2020-01-02T00:00', '--until', '2021-01-01');
    expect(fromSecond.map((l) => l.reason)).toEqual([null, 'third']);
    const recent = await exported('--since', '7d');
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.every((l) => l.time > '2021')).toBe(true);
    const old = await exported('--until', '30d');
    expect(old.map((l) => l.actor)).toEqual(['U0TIMED', 'U0TIMED', 'U0TIMED']);
  });

  it('combines filters: all must match', async () => {
    const lines = await exported('--key', slackKey, '--actor', 'U0TIMED', '--since', '2020-01-04', '--until', '1d');
    expect(lines.map((l) => l.action)).toEqual(['key.enabled', 'key.revoked']);
    expect(await exported('--key', cliKey, '--actor', 'U0TIMED')).toEqual([]);
  });
});

describe('harvest-keys audit (readable)', () => {
  it('prints a table with a header, one line per event (reasons on one line) and a count', async () => {
    const result = await runCli(['audit', '--key', cliKey], env);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^time\s+source\s+action\s+key\s+actor\s+reason$/);
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(
      new RegExp(`^\\S+Z\\s+cli\\s+key\\.revoked\\s+${cliKey}\\s+${cliActor}\\s+rotated by ops$`),
    );
    expect(lines[4]).toBe('3 event(s)');
    expect((await runCli(['audit', '--actor', 'U0NOBODY'], env)).stdout).toContain('No events.');
  });

  it('lines every row up under its header, a millisecond time and a Harvest v3 client id as actor included', async () => {
    const clientActor = 'hkc_SPwCBuLhYfQXgp3rglClcLcJ';
    await rt.db.sql`
      insert into audit_events (actor, action, key_id, details, source)
      values (${clientActor}, 'oauth.token_revoked', ${cliKey}, null, 'authz')`;
    const lines = (await runCli(['audit', '--key', cliKey], env)).stdout.trimEnd().split('\n');
    const header = lines[0] ?? '';
    const columnStarts = ['source', 'action', 'key', 'actor'].map((name) => header.indexOf(` ${name}`) + 1);
    const rows = lines.slice(1, -1);
    expect(rows.some((line) => line.includes(clientActor))).toBe(true);
    for (const line of rows)
      for (const start of columnStarts)
        expect(line.slice(start - 2, start + 1), `${line} at ${start}`).toMatch(/^ {2}\S$/);
  });
});

describe('harvest-keys audit refuses bad input', () => {
  it.each([
    [['--since', 'yesterday'], /--since: "yesterday" is not a time: give an ISO date/],
    [['--until', '2026-02-30'], /--until: "2026-02-30" is not a real date or time/],
    [['--since', '2026-01-01T25:00:00Z'], /--since: .* is not a real date or time/],
    [['--since', '2026-02-01', '--until', '2026-01-01'], /--since \(2026-02-01T00:00:00.000Z\) must be before --until/],
    [['--key', 'not-a-key-id'], /--key takes a key id/],
    [['--actor', ' '], /--actor needs a value/],
    [['--since'], /option "--since" needs a value/],
    [['--verbose'], /unknown option "--verbose"/],
  ])('%j: a usage mistake (exit 2) that says what is accepted', async (args, message) => {
    const result = await runCli(['audit', ...args], env);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('usage: harvest-keys audit');
  });

  it('never repeats a key pasted where an id or a time belongs', async () => {
    const secret = secrets[0] as string;
    for (const flag of ['--key', '--since', '--actor']) {
      const result = await runCli(['audit', flag, secret, '--json'], env);
      expect(result.stderr + result.stdout).not.toContain(secret);
    }
  });

  it('names an unknown key (exit 1) instead of printing nothing', async () => {
    const result = await runCli(['audit', '--key', 'key_doesnotexist1'], env);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/No key with id key_doesnotexist1/);
  });
});

describe('the export reads a page at a time', () => {
  it('gives the same events in the same order however small the pages', async () => {
    const reader = createAuditReader(rt.db.db);
    const whole = createAuditService({ reader, audit: rt.store.audit });
    const paged = createAuditService({ reader, audit: rt.store.audit, pageSize: 2 });
    const ids = async (service: typeof whole, filter = {}) => {
      const seen: number[] = [];
      for await (const event of service.events(filter)) seen.push(event.id);
      return seen;
    };
    const all = await ids(whole);
    expect(all.length).toBeGreaterThan(10);
    expect(await ids(paged)).toEqual(all);
    expect(await ids(paged, { keyId: slackKey })).toEqual(await ids(whole, { keyId: slackKey }));
  });
});

describe('harvest-keys audit as a process', () => {
  it('streams thousands of events into a pipe that closes after the first line, and exits 0 without an error', async () => {
    await rt.db.sql`
      insert into audit_events (actor, action, key_id, source)
      select 'U0BULK', 'key.edited', ${slackKey}, 'slack' from generate_series(1, 5000)`;
    const bin = path.join(ROOT, 'bin/harvest-keys.js');
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(
        'bash',
        ['-c', `node ${bin} audit --json --actor U0BULK | head -1; echo "exit \${PIPESTATUS[0]}"`],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, DATA_DIR: scratchDataDir() },
        },
        (error, out, err) => (error === null ? resolve({ stdout: out, stderr: err }) : reject(error)),
      ),
    );
    const [first, status] = stdout.trimEnd().split('\n');
    expect(JSON.parse(first as string)).toMatchObject({ actor: 'U0BULK', source: 'slack', key: slackKey });
    expect(status).toBe('exit 0');
    expect(stderr).toBe('');
  });
});
