import { describe, expect, it } from 'vitest';
import { HISTORY_LIMIT } from '../../src/audit/audit-service.ts';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { blockActions, findElement, initialState, keyMenuPick } from '../helpers/slack-payloads.ts';
import { secretSightings } from '../helpers/slack-traffic.ts';

const { rt, slack, logs, admin, userWith } = slackSuite({ logLevel: 'trace' });

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
const fromMessage = {
  message: { text: 'keys', blocks: [] },
  responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/h',
};

/** The key menu's History, picked on a list message: the modal it opened. */
async function historyFromMenu(user: string, keyId: string): Promise<View> {
  const mark = slack.recorder.mark();
  await slack.interaction(blockActions(user, keyMenuPick('History', `history:${keyId}`), fromMessage));
  const opened = await slack.recorder.waitFor(mark, 'views.open');
  return opened.body.view as View;
}

const sectionTexts = (view: View): string[] =>
  view.blocks.filter((b) => b.type === 'section').map((b) => (b.text as { text: string }).text);

describe('a Slack change', () => {
  it('is recorded with source slack, and the History names it, newest first, with its reason', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Watched', grants: ['GET /v1/users'] });
    const mark = slack.recorder.mark();
    await slack.command(user, `revoke ${key.id}`);
    const view = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0REVOKE' };
    const values = initialState(view);
    const lost = { text: { type: 'plain_text', text: 'Lost or possibly leaked' }, value: 'lost' };
    values.revoke_reason = { 'key.revoke.reason': { type: 'static_select', selected_option: lost } };
    const confirmed = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'key.revoke.confirm', block_id: 'revoke_reason', value: key.id },
        { view, values },
      ),
    );
    await slack.recorder.waitFor(confirmed, 'views.update');

    const [revoked] = await rt.audit.history(key.id, 1);
    expect(revoked).toMatchObject({ action: 'key.revoked', actor: user, source: 'slack' });

    const history = await historyFromMenu(user, key.id);
    expect(history).toMatchObject({ type: 'modal', callback_id: 'key.history', title: { text: 'Key History' } });
    const texts = sectionTexts(history);
    expect(texts[0]).toContain('*Watched*');
    expect(texts[0]).toContain(key.id);
    expect(texts[1]).toMatch(/^\*Revoked\*/);
    expect(texts[1]).toContain(`by <@${user}> · Slack`);
    expect(texts[1]).toContain('_Reason:_ Lost or possibly leaked');
    expect(texts[2]).toMatch(/^\*Created\*/);
  });
});

describe('the History view', () => {
  it('shows the latest 20 events of a key, escaped, with the surface and what changed', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Busy <!channel> & co' });
    for (let i = 0; i < 12; i += 1) {
      await rt.keys.revoke(key.id, { actor: 'cli:ops', reason: `round ${i} <@U0SPOOF> *bold*` });
      await rt.keys.enable(key.id, { actor: user });
    }
    await rt.keys.edit(key.id, { actor: user, add: ['GET /v1/users', 'GET /v1/jobs'], description: 'Busy' });

    const history = await historyFromMenu(user, key.id);
    const texts = sectionTexts(history);
    // The key's name, then 20 events (25 were recorded), newest first.
    expect(texts).toHaveLength(1 + HISTORY_LIMIT);
    expect(texts[1]).toMatch(/^\*Edited\*/);
    expect(texts[1]).toContain('+2 permissions');
    expect(texts[1]).toContain('description “Busy &lt;!channel&gt; &amp; co” → “Busy”');
    expect(texts[2]).toMatch(/^\*Re-enabled\*/);
    expect(texts[3]).toContain('by cli:ops · CLI');
    expect(texts[3]).toContain('_Reason:_ round 11 &lt;@U0SPOOF&gt; *bold*');
    const raw = JSON.stringify(history);
    expect(raw).not.toContain('<!channel>');
    expect(raw).not.toContain('<@U0SPOOF>');
    expect(raw).not.toContain('*Created*');
    expect(raw).toContain(`harvest-keys audit --key ${key.id}`);
  });

  it('opens from the key view’s History button (approvers too), pushed over the view', async () => {
    const owner = await admin();
    const approver = await userWith('approver');
    const { key } = await rt.keys.create({ actor: owner, description: 'Looked at' });
    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(approver, { type: 'button', action_id: 'key.view', block_id: 'b', value: key.id }, fromMessage),
    );
    const keyView = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0KEYVIEW' };
    const button = findElement(keyView, 'key.history');
    expect(button.element).toMatchObject({ type: 'button', value: key.id, text: { text: 'History' } });

    const pushed = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        approver,
        { type: 'button', action_id: 'key.history', block_id: button.block.block_id as string, value: key.id },
        { view: keyView },
      ),
    );
    const history = (await slack.recorder.waitFor(pushed, 'views.push')).body.view as View;
    expect(history.callback_id).toBe('key.history');
    expect(sectionTexts(history)[1]).toContain(`by <@${owner}> · Slack`);
  });

  it('is offered in every key menu, within Slack’s five overflow options', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Menu five' });
    const mark = slack.recorder.mark();
    await slack.command(user, `show ${key.id}`);
    const shown = await slack.recorder.waitFor(mark, 'response_url');
    const menu = findElement(shown.body as { blocks: unknown }, 'key.menu').element as {
      options: { value: string }[];
    };
    expect(menu.options.map((o) => o.value)).toContain(`history:${key.id}`);
    expect(menu.options.length).toBeLessThanOrEqual(5);
  });

  it('tells the person when the key does not exist, and refuses someone without a role', async () => {
    const user = await admin();
    let mark = slack.recorder.mark();
    await slack.interaction(blockActions(user, keyMenuPick('History', 'history:key_NoSuchKey00'), fromMessage));
    const told = await slack.recorder.waitFor(mark, 'response_url');
    expect(JSON.stringify(told.body)).toContain('There is no key');

    const { key } = await rt.keys.create({ actor: user, description: 'Private' });
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        'U0NOROLE01',
        { type: 'button', action_id: 'key.history', block_id: 'b', value: key.id },
        fromMessage,
      ),
    );
    const refused = await slack.recorder.waitFor(mark, 'response_url');
    expect(JSON.stringify(refused.body)).toContain('you need the admin or approver role');
    expect(JSON.stringify(refused.body)).not.toContain('Private');
  });
});

describe('what left the app', () => {
  it('acknowledges every button and menu it drew', async () => {
    expect(await unacknowledgedActions(slack)).toEqual([]);
  });

  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });

  it('showed no secret outside a show-once view', () => {
    expect(secretSightings(slack.recorder.traffic, logs.text()).filter((s) => s.where !== 'show-once')).toEqual([]);
  });
});
