import { describe, expect, it } from 'vitest';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { blockActions, findElement, initialState, keyMenuPick, viewSubmission } from '../helpers/slack-payloads.ts';
import { recordCanary } from '../helpers/secret-canary.ts';
import { secretSightings, type SlackTraffic } from '../helpers/slack-traffic.ts';

const CHANNEL = 'C0APPROVALS';
const APPROVER = 'U0APPROVER1';
const { rt, slack, logs, admin } = slackSuite({
  logLevel: 'trace',
  env: { APPROVAL_REQUIRED_FOR: 'create', APPROVALS_CHANNEL: CHANNEL },
  roles: { [APPROVER]: ['approver'] },
});

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
type Option = Record<string, unknown> & { value: string };
const withId = (view: unknown, id: string): View => ({ ...(view as View), id });
/** The create dialog's API type choices. */
const apiTypes = (view: View): Option[] =>
  (view.blocks.find((b) => b.block_id === 'api_type') as { element: { options: Option[] } }).element.options;
const SECRET = /hk_[0-9A-Za-z]{38}/;

function cardClick(user: string, card: Record<string, unknown>, actionId: string) {
  const { block, element } = findElement(card as { blocks: unknown }, actionId);
  const payload = blockActions(
    user,
    { type: 'button', action_id: actionId, block_id: block.block_id as string, value: element.value as string },
    { message: { ...card, ts: '1700000000.000100' }, responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/a' },
  );
  return {
    ...payload,
    channel: { id: CHANNEL, name: 'approvals' },
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: CHANNEL },
  };
}

/** The approver approves the card; the requester presses Reveal in the DM; returns the show-once view. */
async function approveAndReveal(requester: string, card: SlackTraffic): Promise<View> {
  const approveMark = slack.recorder.mark();
  await slack.interaction(cardClick(APPROVER, card.body, 'approval.approve'));
  const dm = await slack.recorder.waitFor(approveMark, 'chat.postMessage', (t) => t.body.channel === requester);
  const reveal = findElement(dm.body as { blocks: unknown }, 'approval.reveal');
  const revealMark = slack.recorder.mark();
  await slack.interaction(
    blockActions(
      requester,
      {
        type: 'button',
        action_id: 'approval.reveal',
        block_id: reveal.block.block_id as string,
        value: reveal.element.value as string,
      },
      { message: { ...dm.body, ts: '1700000000.000200' }, responseUrl: 'https://hooks.slack.com/actions/T0TEST/2/r' },
    ),
  );
  const shown = await slack.recorder.waitFor(
    revealMark,
    'views.update',
    (t) => (t.body.view as { callback_id?: string }).callback_id === 'key.show-once',
  );
  return shown.body.view as View;
}

describe('approvals of Harvest v3 clients', () => {
  it('holds a create of a client; once approved the reveal makes the client and shows its id and secret once', async () => {
    const requester = await admin();
    const before = (await rt.keys.list()).total;
    let mark = slack.recorder.mark();
    await slack.command(requester, 'create');
    const first = withId((await slack.recorder.waitFor(mark, 'views.open')).body.view, 'V0CREATE');
    const state = initialState(first);
    const client = apiTypes(first).find((o) => o.value === 'oauth_client');
    state.api_type = { value: { type: 'static_select', selected_option: client } };
    const descriptionBlock = first.blocks.find((b) => String(b.block_id).startsWith('description'))!.block_id as string;
    state[descriptionBlock] = { value: { type: 'plain_text_input', value: 'Held v3 client' } };
    const step2 = (await slack.interaction(viewSubmission(requester, first, state))).json() as { view: View };
    mark = slack.recorder.mark();
    let saved = (await slack.interaction(viewSubmission(requester, withId(step2.view, 'V0CREATE')))).json() as {
      view: View;
    };
    // Nothing ticked: asked once more, then held.
    if (JSON.stringify(saved.view).includes('No permissions are ticked'))
      saved = (await slack.interaction(viewSubmission(requester, withId(saved.view, 'V0CREATE')))).json() as {
        view: View;
      };
    expect(saved.view).toMatchObject({ title: { text: 'Sent for Approval' } });
    expect((await rt.keys.list()).total).toBe(before);
    const card = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    expect(JSON.stringify(card.body)).toContain('Create a new Harvest v3 (OAuth) client');
    expect(JSON.stringify(card.body)).toContain('*Type:* Harvest v3 (OAuth) client');

    const shown = await approveAndReveal(requester, card);
    const text = JSON.stringify(shown);
    const secret = SECRET.exec(text)?.[0] as string;
    recordCanary(secret);
    const keyId = findElement(shown, 'key.stored').element.value as string;
    const made = await rt.keys.get(keyId);
    expect(made).toMatchObject({ kind: 'oauth_client', description: 'Held v3 client', createdBy: requester });
    expect(shown).toMatchObject({ title: { text: 'v3 Client Created' } });
    expect(text).toContain(`\`\`\`${made.clientId}\`\`\``);
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({ outcome: 'client_secret' });
    const [audit] = await rt.db.sql<{ source: string }[]>`
      select source from audit_events where key_id = ${keyId} and action = 'key.created'`;
    expect(audit?.source).toBe('approvals');
  });

  it('holds an Upgrade to v3 like a create; the approved upgrade makes the client and schedules the key', async () => {
    const requester = await admin();
    const key = await rt.keys.create({ actor: requester, description: 'Held upgrade', grants: ['GET /v1/users'] });
    recordCanary(key.secret);
    let mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(requester, keyMenuPick('Upgrade to v3', `upgrade:${key.key.id}`), {
        view: withId({ blocks: [] }, 'V0HOME'),
      }),
    );
    const dialog = withId((await slack.recorder.waitFor(mark, 'views.open')).body.view, 'V0UPGRADE');
    expect(JSON.stringify(dialog)).toContain('approval');
    mark = slack.recorder.mark();
    const held = (await slack.interaction(viewSubmission(requester, dialog, initialState(dialog)))).json() as {
      view: View;
    };
    expect(held.view).toMatchObject({ title: { text: 'Sent for Approval' } });
    expect((await rt.keys.get(key.key.id)).replacedBy).toBeNull();
    const card = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    expect(JSON.stringify(card.body)).toContain('Upgrade an API key to a Harvest v3 client');
    expect(JSON.stringify(card.body)).toContain('keeps working 7 days after hand-over');

    const started = Date.now();
    const shown = await approveAndReveal(requester, card);
    expect(shown).toMatchObject({ title: { text: 'Upgraded to v3' } });
    recordCanary(SECRET.exec(JSON.stringify(shown))?.[0] as string);
    const old = await rt.keys.get(key.key.id);
    const client = await rt.keys.get(old.replacedBy as string);
    expect(client).toMatchObject({ kind: 'oauth_client', permissions: ['GET /v1/users'] });
    expect(old.revokeAt?.getTime()).toBeGreaterThanOrEqual(started + 7 * 86_400_000 - 1000);
  });
});

describe('what left the app', () => {
  it('acknowledges every button, menu and dispatching input it drew', async () => {
    expect(await unacknowledgedActions(slack)).toEqual([]);
  });

  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });

  it('showed each secret only in its show-once view', () => {
    const sightings = secretSightings(slack.recorder.traffic, logs.text());
    expect(sightings.length).toBeGreaterThan(0);
    expect(sightings.filter((s) => s.where !== 'show-once')).toEqual([]);
  });
});
