import { describe, expect, it } from 'vitest';
import { blockActions, findElement, initialState, viewSubmission } from '../helpers/slack-payloads.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { seedUsage } from '../helpers/usage-seed.ts';

/** Issue 16: the changes a key's use suggests are held like any permission change while approvals are on. */
const CHANNEL = 'C0APPROVALS';
const APPROVER = 'U0INSIGHTAPPR';
const { rt, slack, admin } = slackSuite({
  env: { APPROVAL_REQUIRED_FOR: 'permissions', APPROVALS_CHANNEL: CHANNEL },
  roles: { [APPROVER]: ['approver'] },
});

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };

async function reviewFromShow(user: string, keyId: string, actionId: string): Promise<View> {
  let mark = slack.recorder.mark();
  await slack.command(user, `show ${keyId}`);
  const message = (await slack.recorder.waitFor(mark, 'response_url')).body;
  const { block, element } = findElement(message as { blocks: unknown }, actionId);
  mark = slack.recorder.mark();
  await slack.interaction(
    blockActions(
      user,
      { type: 'button', action_id: actionId, block_id: block.block_id as string, value: element.value as string },
      { message, responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/held' },
    ),
  );
  return { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0HELD' };
}

describe('insights under approvals', () => {
  it('holds a legacy conversion for approval; the card says the legacy access ends, and approval runs it', async () => {
    const user = await admin();
    const { imported } = await rt.importKeys(
      Buffer.from('key,description,partner,created_at\ninsightsHeld0123456789abcdefABCD01,Held legacy,,2016-05-01\n'),
      user,
    );
    const keyId = imported[0]!.id;
    await seedUsage(rt.db.sql, [{ keyId, endpointId: 'GET /v1/candidates', daysAgo: 3, allowed: 4 }]);
    const review = await reviewFromShow(user, keyId, 'key.legacy.convert');
    expect(review.submit).toMatchObject({ text: 'Request approval' });

    const mark = slack.recorder.mark();
    const answer = (await slack.interaction(viewSubmission(user, review, initialState(review)))).json();
    expect(answer).toMatchObject({ response_action: 'update', view: { title: { text: 'Sent for Approval' } } });
    expect((await rt.keys.get(keyId)).legacy).toBe(true);
    const card = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    const cardText = JSON.stringify(card.body);
    expect(cardText).toContain('*Legacy access ends:* afterwards the key may call only its 1 permission');
    expect(cardText).toContain('recorded use over the last 90 days');
    expect(cardText).toContain('GET: List Candidates');

    await expect.poll(async () => (await rt.approvals.listPending())[0]?.cardChannel).toBe(CHANNEL);
    const request = (await rt.approvals.listPending()).find((r) => r.keyId === keyId)!;
    const outcome = await rt.approvals.decide(request.id, { approver: APPROVER, decision: 'approve' });
    expect(outcome.outcome).toBe('executed');
    expect(await rt.keys.get(keyId)).toMatchObject({ legacy: false, permissions: ['GET /v1/candidates'] });
    const [edit] = await rt.db.sql<{ actor: string; details: Record<string, unknown> }[]>`
      select actor, details from audit_events where key_id = ${keyId} and action = 'key.edited'`;
    expect(edit).toMatchObject({ actor: user, details: { endedLegacy: true, basedOnUsage: { days: 90 } } });
  });

  it('holds a trim for approval too', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Held trim',
      grants: ['GET /v1/jobs', 'GET /v1/users'],
    });
    await rt.db.sql`update api_keys set created_at = now() - interval '60 days' where id = ${key.id}`;
    await seedUsage(rt.db.sql, [{ keyId: key.id, endpointId: 'GET /v1/jobs', daysAgo: 1, allowed: 1 }]);
    const review = await reviewFromShow(user, key.id, 'key.trim');
    expect(review.submit).toMatchObject({ text: 'Request approval' });
    const answer = (await slack.interaction(viewSubmission(user, review, initialState(review)))).json();
    expect(answer).toMatchObject({ view: { title: { text: 'Sent for Approval' } } });
    expect((await rt.keys.get(key.id)).permissions).toEqual(['GET /v1/jobs', 'GET /v1/users']);
    const request = (await rt.approvals.listPending()).find((r) => r.keyId === key.id)!;
    expect(request.payload).toMatchObject({
      action: 'permissions',
      removed: ['GET /v1/users'],
      basedOnUsage: { days: 30 },
    });
  });
});
