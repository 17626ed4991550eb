import { describe, expect, it } from 'vitest';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { blockActions, findElement, initialState, keyMenuPick, viewSubmission } from '../helpers/slack-payloads.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { secretSightings } from '../helpers/slack-traffic.ts';
import { seedUsage } from '../helpers/usage-seed.ts';

/** Issue 16 in Slack: a key's use in its view, and the two changes drawn from it, through Edit's review. */
const { rt, slack, logs, admin, userWith } = slackSuite({ logLevel: 'trace' });

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
const RESPONSE_URL = 'https://hooks.slack.com/actions/T0TEST/1/insights';

async function agedKey(user: string, description: string, grants: string[], days = 120): Promise<string> {
  const { key } = await rt.keys.create({ actor: user, description, grants });
  await rt.db.sql`update api_keys set created_at = now() - make_interval(days => ${days}) where id = ${key.id}`;
  return key.id;
}

let serial = 0;
async function legacyKey(user: string, description: string, grants = ''): Promise<string> {
  serial += 1;
  const secret = `insightsSlack0123456789abcdefAB${String(serial).padStart(4, '0')}`;
  const { imported } = await rt.importKeys(
    Buffer.from(`key,description,partner,created_at,grants\n${secret},${description},,2016-05-01,${grants}\n`),
    user,
  );
  return imported[0]!.id;
}

/** `/harvest-keys show <id>` and the message it answered with. */
async function show(user: string, keyId: string): Promise<Record<string, unknown>> {
  const mark = slack.recorder.mark();
  await slack.command(user, `show ${keyId}`);
  return (await slack.recorder.waitFor(mark, 'response_url')).body;
}

/** Clicks a button of a message, and returns the dialog it opened. */
async function clickInMessage(user: string, message: Record<string, unknown>, actionId: string): Promise<View> {
  const { block, element } = findElement(message as { blocks: unknown }, actionId);
  const mark = slack.recorder.mark();
  await slack.interaction(
    blockActions(
      user,
      { type: 'button', action_id: actionId, block_id: block.block_id as string, value: element.value as string },
      { message, responseUrl: RESPONSE_URL },
    ),
  );
  return { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0REVIEW' };
}

async function auditDetails(keyId: string) {
  const rows = await rt.db.sql<{ action: string; details: Record<string, unknown> }[]>`
    select action, details from audit_events where key_id = ${keyId} order by id`;
  return rows;
}

describe('a key’s use in its view', () => {
  it('shows requests in the last 30 days, the busiest endpoints by name, and offers to remove unused permissions', async () => {
    const user = await admin();
    const keyId = await agedKey(user, 'Busy sync', ['GET /v1/candidates', 'GET /v1/jobs', 'GET /v1/users']);
    await seedUsage(rt.db.sql, [
      { keyId, endpointId: 'GET /v1/candidates', daysAgo: 1, allowed: 40, denied: 1 },
      { keyId, endpointId: 'POST /v1/candidates', daysAgo: 2, denied: 7 },
      { keyId, endpointId: 'GET /v1/users', daysAgo: 50, allowed: 5 },
    ]);
    const message = await show(user, keyId);
    const text = JSON.stringify(message);
    expect(text).toContain('*Use in the last 30 days:* 40 allowed, 8 denied');
    expect(text).toContain('• GET: List Candidates: 40 allowed, 1 denied (last ');
    expect(text).toContain('• POST: Add Candidate: 0 allowed, 7 denied');
    expect(text).toContain('2 of its 3 permissions had no allowed call in the last 30 days.');
    expect(findElement(message as { blocks: unknown }, 'key.trim').element.text).toMatchObject({
      text: 'Remove 2 unused permissions',
    });
    expect(text).not.toContain('key.legacy.convert');

    const review = await clickInMessage(user, message, 'key.trim');
    expect(review.callback_id).toBe('key.edit.confirm');
    expect(review.close).toMatchObject({ text: 'Cancel' });
    const reviewText = JSON.stringify(review);
    expect(reviewText).toContain('These 2 permissions had no allowed call in the last 30 days');
    expect(reviewText).toContain('Removed permissions (2)');
    expect(reviewText).toContain('GET: List Jobs');
    expect(reviewText).toContain('GET: List Users');
    expect(reviewText).not.toContain('Added permissions');
    expect((await rt.keys.get(keyId)).permissions).toHaveLength(3);

    const mark = slack.recorder.mark();
    const saved = (await slack.interaction(viewSubmission(user, review, initialState(review)))).json();
    expect(saved).toEqual({ response_action: 'clear' });
    expect((await rt.keys.get(keyId)).permissions).toEqual(['GET /v1/candidates']);
    const dm = await slack.recorder.waitFor(mark, 'chat.postMessage');
    expect(String(dm.body.text)).toContain('2 permissions removed');
    const audit = await auditDetails(keyId);
    expect(audit.at(-1)).toMatchObject({
      action: 'key.edited',
      details: { removed: ['GET /v1/jobs', 'GET /v1/users'], basedOnUsage: { days: 30 } },
    });
  });

  it('calls a key younger than the window too young to judge, and offers nothing', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Fresh', grants: ['GET /v1/jobs'] });
    const text = JSON.stringify(await show(user, key.id));
    expect(text).toContain('No requests recorded in the last 30 days.');
    expect(text).toContain('1 permission had no allowed call yet, but the key is younger than 30 days');
    expect(text).not.toContain('key.trim');
  });

  it('offers no change for a revoked key, whose use it still shows', async () => {
    const user = await admin();
    const keyId = await agedKey(user, 'Retired', ['GET /v1/jobs', 'GET /v1/users']);
    await seedUsage(rt.db.sql, [{ keyId, endpointId: 'GET /v1/jobs', daysAgo: 2, allowed: 3 }]);
    await rt.keys.revoke(keyId, { actor: user });
    const text = JSON.stringify(await show(user, keyId));
    expect(text).toContain('*Use in the last 30 days:* 3 allowed, 0 denied');
    expect(text).toContain('1 of its 2 permissions had no allowed call');
    expect(text).not.toContain('key.trim');
  });

  it('shows approvers the use but no buttons; an admin’s View from the Home pushes the review over the dialog', async () => {
    const approver = await userWith('approver');
    const user = await admin();
    const keyId = await agedKey(user, 'Viewed key', ['GET /v1/jobs', 'GET /v1/offices']);
    await seedUsage(rt.db.sql, [{ keyId, endpointId: 'GET /v1/jobs', daysAgo: 3, allowed: 2 }]);
    const seen = JSON.stringify(await show(approver, keyId));
    expect(seen).toContain('1 of its 2 permissions had no allowed call');
    expect(seen).not.toContain('key.trim');

    const home: View = { type: 'home', id: 'V0HOME', blocks: [] };
    const mark = slack.recorder.mark();
    await slack.interaction(blockActions(user, keyMenuPick('View', `view:${keyId}`), { view: home }));
    const opened: View = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0VIEWED' };
    expect(opened.callback_id).toBe('key.view');
    const button = findElement(opened, 'key.trim');
    expect(button.element.text).toMatchObject({ text: 'Remove 1 unused permission' });
    const pushMark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'key.trim', block_id: button.block.block_id as string, value: keyId },
        { view: opened },
      ),
    );
    const pushed = (await slack.recorder.waitFor(pushMark, 'views.push')).body.view as View;
    expect(pushed.callback_id).toBe('key.edit.confirm');
    expect(pushed.close).toMatchObject({ text: 'Back' });
    expect(JSON.stringify(pushed)).toContain('GET: List Offices');
    // One of each: counted in the singular.
    expect(JSON.stringify(pushed)).toContain(
      'This permission had no allowed call in the last 30 days (as `/authz` recorded it); 1 permission stays.',
    );
  });
});

describe('converting a legacy key to explicit permissions', () => {
  it('grants exactly the legacy endpoints it called in 90 days and ends its implicit access, after the review', async () => {
    const user = await admin();
    const newer = 'GET /v1/users/:id/permissions/jobs';
    const keyId = await legacyKey(user, 'Old ATS', newer);
    await seedUsage(rt.db.sql, [
      { keyId, endpointId: 'GET /v1/candidates', daysAgo: 4, allowed: 12 },
      { keyId, endpointId: 'GET /v1/jobs', daysAgo: 70, allowed: 1 },
      { keyId, endpointId: 'GET /v1/users', daysAgo: 100, allowed: 9 },
    ]);
    const message = await show(user, keyId);
    const text = JSON.stringify(message);
    expect(text).toContain('In the last 90 days it called 2 of the 52 legacy endpoints it may call without grants.');
    const review = await clickInMessage(user, message, 'key.legacy.convert');
    const reviewText = JSON.stringify(review);
    expect(reviewText).toContain(
      'this legacy key called 2 of the 52 legacy endpoints it may call without grants: those become explicit grants, and its access to the other 50 ends.',
    );
    expect(reviewText).toContain('Added permissions (2)');
    expect(reviewText).toContain('GET: List Candidates');
    expect(reviewText).toContain('*Legacy access ends*');
    expect(reviewText).toContain('afterwards it may call only its 3 permissions');
    expect(review.submit).toMatchObject({ text: 'Save' });

    const mark = slack.recorder.mark();
    const saved = (await slack.interaction(viewSubmission(user, review, initialState(review)))).json();
    expect(saved).toEqual({ response_action: 'clear' });
    const after = await rt.keys.get(keyId);
    expect(after).toMatchObject({ legacy: false, permissions: ['GET /v1/candidates', 'GET /v1/jobs', newer] });
    const dm = await slack.recorder.waitFor(mark, 'chat.postMessage');
    expect(String(dm.body.text)).toContain(
      'to explicit permissions: 2 permissions added, and its legacy access has ended',
    );
    expect((await auditDetails(keyId)).at(-1)).toMatchObject({
      action: 'key.edited',
      details: { added: ['GET /v1/candidates', 'GET /v1/jobs'], endedLegacy: true, basedOnUsage: { days: 90 } },
    });
    // No longer legacy: the view offers no conversion.
    expect(JSON.stringify(await show(user, keyId))).not.toContain('key.legacy.convert');
  });

  it('asks for the empty-key tick when the key called nothing and has no grants', async () => {
    const user = await admin();
    const keyId = await legacyKey(user, 'Idle legacy');
    const review = await clickInMessage(user, await show(user, keyId), 'key.legacy.convert');
    expect(JSON.stringify(review)).toContain('This leaves the key with no permissions.');
    expect(review.blocks.some((b) => b.block_id === 'confirm_empty')).toBe(true);
    const answer = (await slack.interaction(viewSubmission(user, review, initialState(review)))).json() as {
      response_action: string;
      errors?: Record<string, string>;
    };
    expect(answer.response_action).toBe('errors');
    expect(answer.errors?.confirm_empty).toContain('Tick this');
    expect((await rt.keys.get(keyId)).legacy).toBe(true);
  });
});

describe('a click on a key view drawn before the key changed', () => {
  it('explains, instead of reviewing a change, when the key was revoked or has expired since', async () => {
    const user = await admin();
    const unused = ['GET /v1/candidates', 'GET /v1/jobs'];
    const revoked = await agedKey(user, 'Revoked since drawn', unused);
    const expired = await agedKey(user, 'Expired since drawn', unused);
    const legacy = await legacyKey(user, 'Legacy revoked since drawn');
    const drawn = [await show(user, revoked), await show(user, expired), await show(user, legacy)];
    await rt.keys.revoke(revoked, { actor: user, reason: 'partner left' });
    await rt.db.sql`update api_keys set expires_at = now() - interval '1 hour' where id = ${expired}`;
    await rt.keys.revoke(legacy, { actor: user, reason: 'partner left' });

    const trimRevoked = JSON.stringify(await clickInMessage(user, drawn[0]!, 'key.trim'));
    expect(trimRevoked).toContain('No Longer Works');
    expect(trimRevoked).toContain('*Revoked since drawn*');
    expect(trimRevoked).toContain('is revoked: it has nothing to narrow');
    expect(trimRevoked).not.toContain('key.edit.confirm');
    const trimExpired = JSON.stringify(await clickInMessage(user, drawn[1]!, 'key.trim'));
    expect(trimExpired).toContain('has expired: it has nothing to narrow');
    const convert = JSON.stringify(await clickInMessage(user, drawn[2]!, 'key.legacy.convert'));
    expect(convert).toContain('No Longer Works');
    for (const keyId of [revoked, expired]) expect((await rt.keys.get(keyId)).permissions).toEqual(unused);
  });

  it('says a legacy key was converted already, by its name, when Convert is clicked again', async () => {
    const user = await admin();
    const keyId = await legacyKey(user, 'Converted twice');
    const drawn = await show(user, keyId);
    await rt.insights.migrateLegacy(keyId, { actor: user });
    const again = JSON.stringify(await clickInMessage(user, drawn, 'key.legacy.convert'));
    expect(again).toContain('Already Converted');
    expect(again).toContain('*Converted twice*');
    expect(again).not.toContain(keyId);
  });
});

describe('what left the app', () => {
  it('acknowledges every button it drew', async () => {
    expect(await unacknowledgedActions(slack)).toEqual([]);
  });
  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });
  it('showed no secret', () => {
    expect(secretSightings(slack.recorder.traffic, logs.text()).filter((s) => s.where !== 'show-once')).toEqual([]);
  });
});
