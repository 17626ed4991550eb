import { describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { blockActions, keyMenuPick, viewSubmission } from '../helpers/slack-payloads.ts';
import { secretSightings } from '../helpers/slack-traffic.ts';

const { rt, slack, logs, userWith: withRole } = slackSuite({ logLevel: 'trace' });

type View = Record<string, unknown> & { blocks: Record<string, unknown>[] };

describe('people without the role', () => {
  it('get a polite refusal for a command and nothing opens', async () => {
    const nobody = anAdmin();
    for (const text of ['create', 'list', 'partners', 'roles']) {
      const mark = slack.recorder.mark();
      const ack = await slack.command(nobody, text);
      expect(ack.status).toBe(200);
      const answer = await slack.recorder.waitFor(mark, 'response_url');
      expect(answer.body.response_type).toBe('ephemeral');
      expect(String(answer.body.text)).toMatch(/^Sorry/);
      expect(slack.recorder.since(mark, 'views.open')).toEqual([]);
    }
  });

  it('lets an approver look at keys but not change them', async () => {
    const approver = await withRole('approver');
    const { key, secret } = await rt.keys.create({
      actor: 'cli:ops',
      description: 'Looked at',
      grants: ['GET /v1/users'],
    });
    let mark = slack.recorder.mark();
    await slack.command(approver, 'list');
    const list = await slack.recorder.waitFor(mark, 'response_url');
    expect(list.raw).toContain(key.id);
    expect(list.raw).not.toContain('key.menu');

    mark = slack.recorder.mark();
    await slack.command(approver, `revoke ${key.id}`);
    const refusal = await slack.recorder.waitFor(mark, 'response_url');
    expect(String(refusal.body.text)).toContain('only admins');
    expect(slack.recorder.since(mark, 'views.open')).toEqual([]);
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });
  });

  it('clicking a shared message’s button does nothing but say so', async () => {
    const nobody = anAdmin();
    const { key } = await rt.keys.create({ actor: 'cli:ops', description: 'Shared', grants: [] });
    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(nobody, keyMenuPick('Revoke', `revoke:${key.id}`), {
        message: { text: 'keys', blocks: [] },
        responseUrl: 'https://hooks.slack.com/actions/T0TEST/9/shared',
      }),
    );
    const answer = await slack.recorder.waitFor(mark, 'response_url');
    expect(answer.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(answer.body.text)).toContain('only admins');
    expect(slack.recorder.since(mark, 'views.open')).toEqual([]);
  });

  it('cannot revoke through a dialog button or create through a submission after losing the role', async () => {
    const formerAdmin = await withRole('admin');
    const { key, secret } = await rt.keys.create({
      actor: formerAdmin,
      description: 'Kept',
      grants: ['GET /v1/users'],
    });
    const mark = slack.recorder.mark();
    await slack.command(formerAdmin, `revoke ${key.id}`);
    const revokeView = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0FORMER' };
    await slack.command(formerAdmin, 'create');
    const createView = {
      ...((await slack.recorder.waitFor(mark, 'views.open', (t) => (t.body.view as View).callback_id === 'key.create'))
        .body.view as View),
      id: 'V0FORMER2',
    };
    await rt.roles.remove(formerAdmin, 'admin', 'test');

    const clickMark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        formerAdmin,
        { type: 'button', action_id: 'key.revoke.confirm', block_id: 'b', value: key.id },
        { view: revokeView },
      ),
    );
    const dm = await slack.recorder.waitFor(clickMark, 'chat.postMessage');
    expect(String(dm.body.text)).toContain('only admins');
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });

    const before = (await rt.keys.list()).total;
    const answer = (await slack.interaction(viewSubmission(formerAdmin, createView))).json() as {
      response_action: string;
      view: View;
    };
    expect(answer.response_action).toBe('update');
    expect(answer.view.title).toMatchObject({ text: 'Not Allowed' });
    expect((await rt.keys.list()).total).toBe(before);
  });

  it('see how to get access on the Home tab instead of the keys', async () => {
    const nobody = anAdmin();
    const mark = slack.recorder.mark();
    await slack.event({ type: 'app_home_opened', user: nobody, channel: 'D0HOME', tab: 'home', event_ts: '1.1' });
    const published = await slack.recorder.waitFor(mark, 'views.publish');
    expect(published.body.user_id).toBe(nobody);
    expect(published.raw).toContain('you need the admin or approver role');
  });
});

describe('request verification', () => {
  it('answers 401 to a bad signature and to a stale timestamp, and runs nothing', async () => {
    const user = await withRole('admin');
    const mark = slack.recorder.mark();
    const forged = await slack.command(user, 'create', { signature: `v0=${'0'.repeat(64)}` });
    expect(forged.status).toBe(401);
    const stale = await slack.command(user, 'create', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(slack.recorder.since(mark).filter((t) => t.kind !== 'ack')).toEqual([]);
  });
});

describe('Slack retries and failures', () => {
  it('handles an event once when Slack retries it with X-Slack-Retry-Num, and still handles a first delivery marked as a retry', async () => {
    const user = await withRole('admin');
    let mark = slack.recorder.mark();
    const first = await slack.event(
      { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '1.2' },
      { eventId: 'EvRETRY1' },
    );
    expect(first.status).toBe(200);
    await slack.recorder.waitFor(mark, 'views.publish');
    mark = slack.recorder.mark();
    const retry = await slack.event(
      { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '1.2' },
      { eventId: 'EvRETRY1', retryNum: 1 },
    );
    expect(retry.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(slack.recorder.since(mark, 'views.publish')).toEqual([]);
    // A retry whose first delivery never reached this instance is work not yet done.
    await slack.event(
      { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '1.3' },
      { eventId: 'EvRETRY2', retryNum: 2 },
    );
    await slack.recorder.waitFor(mark, 'views.publish');
  });

  it('explains an expired trigger to the person and logs the cause', async () => {
    const user = await withRole('admin');
    slack.recorder.failNext('views.open', { error: 'expired_trigger_id' });
    const mark = slack.recorder.mark();
    await slack.command(user, 'create');
    const answer = await slack.recorder.waitFor(mark, 'response_url');
    expect(String(answer.body.text)).toContain('took too long');
    expect(logs.text()).toContain('"slackError":"expired_trigger_id"');
  });

  it('explains rate limiting to the person', async () => {
    const user = await withRole('admin');
    slack.recorder.failNext('views.open', { status: 429, headers: { 'retry-after': '0' } });
    const mark = slack.recorder.mark();
    await slack.command(user, 'roles');
    const answer = await slack.recorder.waitFor(mark, 'response_url');
    expect(String(answer.body.text)).toContain('rate-limiting');
  });
});

describe('App Home', () => {
  it('is the API Credential Management page with search and paging over 150 keys', async () => {
    const user = await withRole('admin');
    const tag = `bulk${Date.now()}`;
    for (let i = 0; i < 150; i++) {
      await rt.keys.create({
        actor: user,
        description: `${tag} key ${String(i).padStart(3, '0')} <!channel> & *x*`,
        grants: [],
      });
    }
    let mark = slack.recorder.mark();
    await slack.event({ type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '2.1' });
    const first = (await slack.recorder.waitFor(mark, 'views.publish')).body.view as View;
    expect(JSON.stringify(first)).toContain('API Credential Management');
    expect(JSON.stringify(first)).toContain('Create New API Key');
    expect(first.blocks.length).toBeLessThanOrEqual(100);

    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'plain_text_input', action_id: 'home.search', block_id: 'home_search', value: tag },
        { view: { ...first, id: 'V0HOME' } },
      ),
    );
    const searched = (await slack.recorder.waitFor(mark, 'views.publish')).body.view as View;
    const searchedText = JSON.stringify(searched);
    expect(searchedText).toContain('Showing 1–20 of 150 keys');
    expect(searchedText).toContain('&lt;!channel&gt; &amp;');
    expect(searchedText).not.toContain('<!channel>');

    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'home.page.next', block_id: 'nav', value: '7' },
        { view: { ...searched, id: 'V0HOME' } },
      ),
    );
    const last = (await slack.recorder.waitFor(mark, 'views.publish')).body.view as View;
    expect(JSON.stringify(last)).toContain('Showing 141–150 of 150 keys');
    const rows = last.blocks.filter(
      (b) => (b.accessory as { action_id?: string } | undefined)?.action_id === 'key.menu',
    );
    expect(rows).toHaveLength(10);
  });

  it('opens Create from its button', async () => {
    const user = await withRole('admin');
    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'home.create', block_id: 'b', value: 'create' },
        { view: { type: 'home', id: 'V0HOME2', blocks: [] } },
      ),
    );
    const opened = await slack.recorder.waitFor(mark, 'views.open');
    expect((opened.body.view as View).callback_id).toBe('key.create');
  });
});

describe('what left the app', () => {
  it('acknowledges every button, menu and dispatching input it drew', async () => {
    expect(await unacknowledgedActions(slack)).toEqual([]);
  });

  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });

  it('never carried a secret', () => {
    expect(secretSightings(slack.recorder.traffic, logs.text())).toEqual([]);
  });
});
