import { describe, expect, it } from 'vitest';
import { createUsageSink } from '../../src/db/usage-store.ts';
import { blockActions, findElement } from '../helpers/slack-payloads.ts';
import { slackSuite } from '../helpers/slack-suite.ts';

const ALERTS = 'C0ALERTS';
const APPROVALS = 'C0APPROVALS';
const { rt, slack, admin } = slackSuite({
  env: { ALERTS_CHANNEL: ALERTS, APPROVALS_CHANNEL: APPROVALS, APPROVAL_REQUIRED_FOR: 'permissions' },
  roles: { U0APPROVER1: ['approver'], U0APPROVER2: ['approver'] },
});

describe('Restore permission under the four-eyes rule', () => {
  it('sends the restore for approval instead of changing the key when permission changes are held', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: 'cli:ops', description: 'Held restore', grants: ['GET /v1/users'] });
    await rt.keys.edit(key.id, { actor: 'cli:ops', remove: ['GET /v1/users'] });
    await createUsageSink(rt.db.sql).write({
      counts: [
        {
          keyId: key.id,
          endpointId: 'GET /v1/users',
          day: new Date().toISOString().slice(0, 10),
          allowed: 0,
          denied: 40,
        },
      ],
      lastUsed: [],
    });
    let mark = slack.recorder.mark();
    await slack.runAlertSweeps();
    const alert = await slack.recorder.waitFor(
      mark,
      'chat.postMessage',
      (t) => t.body.channel === ALERTS && t.raw.includes(key.id),
    );
    const { block, element } = findElement(alert.body as { blocks?: unknown }, 'alert.restore');

    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        {
          type: 'button',
          action_id: 'alert.restore',
          block_id: String(block.block_id ?? 'b'),
          value: String(element.value),
        },
        { message: alert.body, responseUrl: 'https://hooks.slack.com/actions/T0TEST/3/held' },
      ),
    );
    const card = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === APPROVALS);
    expect(card.raw).toContain('Held restore');
    const told = await slack.recorder.waitFor(mark, 'chat.postEphemeral', (t) => t.body.user === user);
    expect(String(told.body.text)).toContain('approval');
    expect((await rt.keys.get(key.id)).permissions).toEqual([]);
    const [pending] = await rt.approvals.listPending();
    expect(pending).toMatchObject({ action: 'permissions', keyId: key.id, requestedBy: user });
    expect(pending?.payload).toMatchObject({ added: ['GET /v1/users'] });
    expect(slack.recorder.blockKitProblems).toEqual([]);

    // A second click, by anyone, asks nothing new while that request waits: one card, and the clicker told why.
    const other = await admin();
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        other,
        {
          type: 'button',
          action_id: 'alert.restore',
          block_id: String(block.block_id ?? 'b'),
          value: String(element.value),
        },
        { message: alert.body, responseUrl: 'https://hooks.slack.com/actions/T0TEST/3/held' },
      ),
    );
    const again = await slack.recorder.waitFor(mark, 'chat.postEphemeral', (t) => t.body.user === other);
    expect(String(again.body.text)).toContain(`already waiting for approval (request \`${pending?.id}\`)`);
    expect(String(again.body.text)).toContain('*Held restore*');
    await slack.recorder.settled();
    expect(slack.recorder.since(mark, 'chat.postMessage').filter((t) => t.body.channel === APPROVALS)).toEqual([]);
    expect(await rt.approvals.listPending()).toHaveLength(1);
  });
});
