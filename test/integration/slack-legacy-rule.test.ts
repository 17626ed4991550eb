import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { TEST_PEPPER } from '../helpers/runtime.ts';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { blockActions, findElement, initialState, keyMenuPick, viewSubmission } from '../helpers/slack-payloads.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { secretSightings } from '../helpers/slack-traffic.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

const { rt, slack, logs, admin } = slackSuite({ logLevel: 'trace' });

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };

let serial = 0;
/** A key imported with a creation date before the cutoff (2017-01-18): a legacy key, with `grants` explicit. */
async function legacyKey(user: string, description: string, grants = ''): Promise<string> {
  serial += 1;
  const secret = `legacyRule0123456789abcdefAB${String(serial).padStart(4, '0')}`;
  const { imported } = await rt.importKeys(
    Buffer.from(`key,description,partner,created_at,grants\n${secret},${description},,2016-05-01,${grants}\n`),
    user,
  );
  return imported[0]!.id;
}

/** Runs `/harvest-keys <text>` and returns the modal it opened. */
async function openFromCommand(user: string, text: string, viewId: string): Promise<View> {
  const mark = slack.recorder.mark();
  expect((await slack.command(user, text)).status).toBe(200);
  return { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: viewId };
}

describe('the legacy rule in Slack', () => {
  it('show says when the key was created, how many endpoints it may call and lists them', async () => {
    expect(rt.catalog.legacyEndpointIds.size).toBe(52);
    const user = await admin();
    const keyId = await legacyKey(user, 'Old ATS sync');
    const mark = slack.recorder.mark();
    await slack.command(user, `show ${keyId}`);
    const shown = await slack.recorder.waitFor(mark, 'response_url');
    const text = JSON.stringify(shown.body);
    expect(text).toContain(
      'created 1 May 2016, before 18 Jan 2017, so it may call the 52 endpoints that existed then without explicit grants, plus its 0 explicit grants. Endpoints added after 18 Jan 2017 need explicit grants.',
    );
    expect(text).toContain('Explicit grants (0)*: none');
    expect(text).not.toContain('plus every endpoint that existed at the legacy cutoff');
    const list = findElement(shown.body as View, 'legacy.endpoints').element;
    expect(list.text).toMatchObject({ text: 'List the 52' });

    // From the message the list opens as a dialog.
    const openMark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'legacy.endpoints', block_id: 'b', value: 'list' },
        { message: shown.body as Record<string, unknown>, responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/x' },
      ),
    );
    const opened = await slack.recorder.waitFor(openMark, 'views.open');
    const listed = JSON.stringify(opened.body.view);
    expect(listed).toContain('Legacy endpoints');
    for (const id of rt.catalog.legacyEndpointIds) expect(listed).toContain(`\`${id.split(' ')[1]}\``);
    expect(listed).toContain('GET: List Candidates');
    const later = rt.catalog.endpoints.find((e) => !e.existedAtLegacyCutoff)!;
    expect(listed).not.toContain(later.label);
  });

  it('edit states the rule beside the explicit grants and pushes the list over the dialog', async () => {
    const user = await admin();
    const keyId = await legacyKey(user, 'Old reports', 'GET /v1/users/:id/permissions/jobs');
    const view = await openFromCommand(user, `edit ${keyId}`, 'V0LEGEDIT');
    const text = JSON.stringify(view);
    expect(text).toContain(
      'so it may call the 52 endpoints that existed then without explicit grants, plus its 1 explicit grant.',
    );
    expect(text).toContain('The boxes below are its explicit grants.');
    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(user, { type: 'button', action_id: 'legacy.endpoints', block_id: 'b', value: 'list' }, { view }),
    );
    const pushed = await slack.recorder.waitFor(mark, 'views.push');
    expect(JSON.stringify(pushed.body.view)).toContain('they may call these 52 endpoints');
  });

  it('replace says truthfully what the new key gets: the 52 legacy endpoints as explicit grants', async () => {
    const user = await admin();
    const newer = rt.catalog.endpoints.find((e) => !e.existedAtLegacyCutoff)!;
    const keyId = await legacyKey(user, 'Lost legacy key', `${newer.id};GET /v1/candidates`);
    const view = await openFromCommand(user, `replace ${keyId}`, 'V0LEGREPL');
    const text = JSON.stringify(view);
    expect(text).toContain(
      'a new key that has the same partner and 53 permissions: its 2 explicit grants plus the 51 legacy endpoints it could call as a key created before 18 Jan 2017, now as explicit grants (the new key is not a legacy key)',
    );
    expect(text).not.toContain('the same 2 permissions');
    // Never used: the old key is revoked at once unless another grace period is chosen (approvals are off here).
    expect(text).toContain('It was not used in the last 7 days');
    expect(text).not.toContain('Needs approval');
    expect(view.submit).toMatchObject({ text: 'Replace' });
    const answer = (await slack.interaction(viewSubmission(user, view, initialState(view)))).json() as { view: View };
    expect(answer.view.callback_id).toBe('key.show-once');
    const replacement = (await rt.keys.get(keyId)).replacedBy!;
    const created = await rt.keys.get(replacement);
    expect(created.legacy).toBe(false);
    expect(created.permissions).toHaveLength(53);
    expect(created.permissions).toContain(newer.id);
  });

  it('View from the Home states the rule too, and its List button pushes the endpoints over the dialog', async () => {
    const user = await admin();
    const keyId = await legacyKey(user, 'Old viewed key');
    const home: View = { type: 'home', id: 'V0HOME', blocks: [] };
    const mark = slack.recorder.mark();
    await slack.interaction(blockActions(user, keyMenuPick('View', `view:${keyId}`), { view: home }));
    const opened: View = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0LEGVIEW' };
    expect(opened.callback_id).toBe('key.view');
    expect(JSON.stringify(opened)).toContain(
      'so it may call the 52 endpoints that existed then without explicit grants',
    );
    const pushMark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'legacy.endpoints', block_id: 'b', value: 'list' },
        { view: opened },
      ),
    );
    const pushed = await slack.recorder.waitFor(pushMark, 'views.push');
    expect(JSON.stringify(pushed.body.view)).toContain('they may call these 52 endpoints');
  });

  it('a key created after the cutoff shows no legacy words', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Modern', grants: ['GET /v1/jobs'] });
    const view = await openFromCommand(user, `replace ${key.id}`, 'V0MODREPL');
    expect(JSON.stringify(view)).toContain('the same partner and the same 1 permission.');
    expect(JSON.stringify(view)).not.toContain('Legacy key');
  });
});

describe('what left the app', () => {
  it('acknowledges every button it drew', async () => {
    expect(await unacknowledgedActions(slack)).toEqual([]);
  });
  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });
  it('showed each secret only in its show-once view', () => {
    expect(secretSightings(slack.recorder.traffic, logs.text()).filter((s) => s.where !== 'show-once')).toEqual([]);
  });
});

describe('the legacy rule in the CLI', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    env = { DATABASE_URL: database.url, KEY_PEPPER: TEST_PEPPER, LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await database.drop();
  });

  it('show states the rule and lists the legacy endpoints; replace states what the new key gets', async () => {
    const csv = `key,description,partner,created_at\nlegacyCli0123456789abcdefABCD0001,Old CLI key,,2016-05-01\n`;
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'hk-legacy-')), 'keys.csv');
    await writeFile(file, csv);
    const imported = await runCli(['import', file, '--json'], env);
    expect(imported.code).toBe(0);
    const listed = await runCli(['list', '--json'], env);
    const id = (JSON.parse(listed.stdout) as { id: string }[])[0]!.id;

    const shown = await runCli(['show', id], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      'legacy key:  created before 2017-01-18, so it may call the 52 endpoints that existed then',
    );
    expect(shown.stdout).toContain('Endpoints added\n               after 2017-01-18 need explicit grants');
    expect(shown.stdout).toContain('legacy endpoints (52):');
    expect(shown.stdout).toContain('GET: List Candidates  [GET /v1/candidates]');
    expect(shown.stdout).toContain('explicit grants (0): none');
    const json = JSON.parse((await runCli(['show', id, '--json'], env)).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ legacy: true, legacyCutoff: '2017-01-18' });
    expect(json.legacyEndpoints).toHaveLength(52);

    const replaced = await runCli(['replace', id], env);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain(
      `The new key has 52 permission(s): the 0 explicit grant(s) of ${id} plus the 52 legacy endpoint(s) it could call as a key created before 2017-01-18, now as explicit grants (the new key is not a legacy key).`,
    );
  });
});
