import { describe, expect, it } from 'vitest';
import { createUsageSink } from '../../src/db/usage-store.ts';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import {
  blockActions,
  checkboxBlocks,
  findElement,
  initialState,
  keyMenuPick,
  viewSubmission,
} from '../helpers/slack-payloads.ts';
import { secretSightings } from '../helpers/slack-traffic.ts';

const { rt, slack, logs, admin } = slackSuite({ logLevel: 'trace' });

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
type Option = { value: string; description: { text: string } };

/** Runs `/harvest-keys <text>` and returns the modal it opened. */
async function openFromCommand(user: string, text: string, viewId: string): Promise<View> {
  const mark = slack.recorder.mark();
  const ack = await slack.command(user, text);
  expect(ack.status).toBe(200);
  const opened = await slack.recorder.waitFor(mark, 'views.open');
  return { ...(opened.body.view as View), id: viewId };
}

function pickerBlockWith(view: View, endpointId: string): Record<string, unknown> {
  const block = checkboxBlocks(view).find((b) =>
    ((b.element as { options?: Option[] }).options ?? []).some((o) => o.description.text === endpointId),
  );
  if (block === undefined) throw new Error(`no checkbox for ${endpointId}`);
  return block;
}

/** Ticks or unticks one endpoint in a view's state, as a person would. */
function toggle(view: View, state: ReturnType<typeof initialState>, endpointId: string, on: boolean): void {
  const block = pickerBlockWith(view, endpointId);
  const id = block.block_id as string;
  const options = (block.element as { options: Option[] }).options;
  const current = (
    (state[id]?.['picker.check'] as { selected_options?: Option[] } | undefined)?.selected_options ?? []
  ).filter((o) => o.description.text !== endpointId);
  if (on) current.push(options.find((o) => o.description.text === endpointId)!);
  state[id] = { 'picker.check': { type: 'checkboxes', selected_options: current } };
}

describe('editing a key', () => {
  it('prefills description and permissions, shows usage and the seed warning, then saves after showing the diff', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Reporting',
      grants: ['GET /v1/users', 'GET /v1/jobs'],
    });
    const view = await openFromCommand(user, `edit ${key.id}`, 'V0EDIT');
    expect(view.callback_id).toBe('key.edit');
    const text = JSON.stringify(view);
    expect(text).toContain('Last used:* never');
    expect(text).toContain('may impact internal or third-party tools');
    const description = view.blocks.find((b) => b.block_id === 'description')!;
    expect((description.element as { initial_value: string }).initial_value).toBe('Reporting');
    expect(
      (pickerBlockWith(view, 'GET /v1/users').element as { initial_options?: Option[] }).initial_options?.map(
        (o) => o.description.text,
      ),
    ).toContain('GET /v1/users');

    const state = initialState(view);
    state.description = { value: { type: 'plain_text_input', value: 'Reporting (read-only)' } };
    toggle(view, state, 'GET /v1/jobs', false);
    toggle(view, state, 'GET /v1/offices', true);
    const review = (await slack.interaction(viewSubmission(user, view, state))).json() as {
      response_action: string;
      view: View;
    };
    expect(review.response_action).toBe('push');
    expect(review.view.callback_id).toBe('key.edit.confirm');
    const reviewText = JSON.stringify(review.view);
    expect(reviewText).toContain('Added permissions (1)');
    expect(reviewText).toContain('GET: List Offices');
    expect(reviewText).toContain('Removed permissions (1)');
    expect(reviewText).toContain('GET: List Jobs');
    expect(reviewText).toContain('Reporting (read-only)');
    expect(await rt.keys.get(key.id)).toMatchObject({ description: 'Reporting', version: key.version });

    const mark = slack.recorder.mark();
    const saved = (await slack.interaction(viewSubmission(user, { ...review.view, id: 'V0EDIT2' }))).json();
    expect(saved).toEqual({ response_action: 'clear' });
    const after = await rt.keys.get(key.id);
    expect(after.description).toBe('Reporting (read-only)');
    expect(after.permissions).toEqual(['GET /v1/offices', 'GET /v1/users']);
    const dm = await slack.recorder.waitFor(mark, 'chat.postMessage');
    expect(dm.body.channel).toBe(user);
    expect(String(dm.body.text)).toContain('1 permission added, 1 removed');
    await slack.recorder.waitFor(mark, 'views.publish');
  });

  it('refuses to overwrite a concurrent edit made while the dialog was open', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Contested', grants: ['GET /v1/users'] });
    const view = await openFromCommand(user, `edit ${key.id}`, 'V0STALE');
    const state = initialState(view);
    toggle(view, state, 'GET /v1/jobs', true);
    const review = (await slack.interaction(viewSubmission(user, view, state))).json() as { view: View };
    expect(review.view.callback_id).toBe('key.edit.confirm');

    // Someone else (the CLI here) changes the key before Save.
    await rt.keys.edit(key.id, { actor: 'cli:ops', add: ['GET /v1/offices'] });
    const answer = (await slack.interaction(viewSubmission(user, { ...review.view, id: 'V0STALE2' }))).json() as {
      response_action: string;
      view: View;
    };
    expect(answer.response_action).toBe('update');
    expect(answer.view.title).toMatchObject({ text: 'Not Saved' });
    expect(JSON.stringify(answer.view)).toContain('Someone else changed');
    expect((await rt.keys.get(key.id)).permissions).toEqual(['GET /v1/offices', 'GET /v1/users']);

    // Submitting the now-stale edit dialog itself is refused too.
    const again = (await slack.interaction(viewSubmission(user, view, state))).json() as { view: View };
    expect(again.view.title).toMatchObject({ text: 'Not Saved' });
  });

  it('reports a description that is too long on the description field', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Short', grants: [] });
    const view = await openFromCommand(user, `edit ${key.id}`, 'V0LONG');
    const state = initialState(view);
    state.description = { value: { type: 'plain_text_input', value: 'x'.repeat(256) } };
    const answer = (await slack.interaction(viewSubmission(user, view, state))).json() as {
      response_action: string;
      errors: Record<string, string>;
    };
    expect(answer.response_action).toBe('errors');
    expect(answer.errors.description).toContain('too long');
  });
});

describe('revoking and re-enabling a key', () => {
  it('confirms with a danger button naming the key and its last use; the key stops working at once; then re-enables it', async () => {
    const user = await admin();
    const { key, secret } = await rt.keys.create({
      actor: user,
      description: 'Partner feed',
      grants: ['GET /v1/users'],
    });
    const view = await openFromCommand(user, `revoke ${key.id}`, 'V0REVOKE');
    expect(view.callback_id).toBe('key.revoke');
    const text = JSON.stringify(view);
    expect(text).toContain('Partner feed');
    expect(text).toContain(key.id);
    expect(text).toContain('*Last used*\\nnever');
    const button = findElement(view, 'key.revoke.confirm').element;
    expect(button.style).toBe('danger');
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });

    const values = initialState(view);
    values.revoke_reason = {
      'key.revoke.reason': {
        type: 'static_select',
        selected_option: { text: { type: 'plain_text', text: 'Lost or possibly leaked' }, value: 'lost' },
      },
    };
    const picked = await slack.interaction(
      blockActions(
        user,
        {
          type: 'static_select',
          action_id: 'key.revoke.reason',
          block_id: 'revoke_reason',
          selected_option: { text: { type: 'plain_text', text: 'Lost or possibly leaked' }, value: 'lost' },
        },
        { view, values },
      ),
    );
    expect(picked.status).toBe(200);
    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'key.revoke.confirm', block_id: 'revoke_reason', value: key.id },
        { view, values },
      ),
    );
    const result = await slack.recorder.waitFor(mark, 'views.update');
    expect(JSON.stringify(result.body.view)).toContain('Revoked');
    const dm = await slack.recorder.waitFor(mark, 'chat.postMessage');
    expect(String(dm.body.text)).toContain(`Revoked *Partner feed*`);
    await slack.recorder.waitFor(mark, 'views.publish');
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({
      decision: { allowed: false, reason: 'revoked' },
    });
    expect(await rt.keys.get(key.id)).toMatchObject({
      status: 'revoked',
      revokedBy: user,
      revokeReason: 'Lost or possibly leaked',
    });

    const enableView = await openFromCommand(user, `enable ${key.id}`, 'V0ENABLE');
    expect(enableView.callback_id).toBe('key.enable');
    expect(JSON.stringify(enableView)).toContain('Lost or possibly leaked');
    // Revoked as lost: the reason leads the dialog, and Re-enable needs "I know this key was reported lost or leaked".
    expect(JSON.stringify(enableView)).toContain('This key was revoked as lost or leaked');
    expect(findElement(enableView, 'key.enable.confirm').element.style).toBe('danger');
    const ack = findElement(enableView, 'key.enable.ack');
    const unticked = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'key.enable.confirm', block_id: 'b', value: key.id },
        { view: enableView },
      ),
    );
    const asked = await slack.recorder.waitFor(unticked, 'views.update');
    expect(JSON.stringify(asked.body.view)).toContain('first.');
    expect(await rt.keys.get(key.id)).toMatchObject({ status: 'revoked' });
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: false } });

    const ticked = {
      ...initialState(enableView),
      [ack.block.block_id as string]: {
        'key.enable.ack': { type: 'checkboxes', selected_options: (ack.element as { options: unknown[] }).options },
      },
    };
    const tickedAck = await slack.interaction(
      blockActions(
        user,
        {
          type: 'checkboxes',
          action_id: 'key.enable.ack',
          block_id: ack.block.block_id as string,
          selected_options: (ack.element as { options: Record<string, unknown>[] }).options,
        },
        { view: enableView, values: ticked },
      ),
    );
    expect(tickedAck.status).toBe(200);
    const enableMark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'key.enable.confirm', block_id: 'b', value: key.id },
        { view: enableView, values: ticked },
      ),
    );
    await slack.recorder.waitFor(enableMark, 'views.update', (t) => JSON.stringify(t.body.view).includes('Re-enabled'));
    const enabledDm = await slack.recorder.waitFor(enableMark, 'chat.postMessage');
    expect(String(enabledDm.body.text)).toContain('Re-enabled');
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });
  });

  it('shows how much a key is used, as /authz recorded it, and warns that it is in use', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Busy key', grants: ['GET /v1/users'] });
    const today = new Date().toISOString().slice(0, 10);
    await createUsageSink(rt.db.sql).write({
      counts: [{ keyId: key.id, endpointId: 'GET /v1/users', day: today, allowed: 1234, denied: 5 }],
      lastUsed: [{ keyId: key.id, at: new Date() }],
    });
    for (const verb of ['revoke', 'edit']) {
      const text = JSON.stringify(await openFromCommand(user, `${verb} ${key.id}`, `V0BUSY${verb}`));
      expect(text).toContain('1234 allowed, 5 denied');
      expect(text).toContain('This key is in use');
      expect(text).not.toContain('never');
    }
  });

  it('says so instead of opening a second revoke for a revoked key', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Gone', grants: [] });
    await rt.keys.revoke(key.id, { actor: user });
    const view = await openFromCommand(user, `revoke ${key.id}`, 'V0AGAIN');
    expect(view.title).toMatchObject({ text: 'Already Revoked' });
  });
});

describe('replacing a key', () => {
  it('issues a new key with the same permissions, shown once, and keeps the old one for the chosen grace period', async () => {
    const user = await admin();
    const { key, secret: oldSecret } = await rt.keys.create({
      actor: user,
      description: 'Lost key',
      grants: ['GET /v1/jobs'],
    });
    const view = await openFromCommand(user, `replace ${key.id}`, 'V0REPLACE');
    expect(view.callback_id).toBe('key.replace');
    const values = initialState(view);
    const choices = findElement(view, 'value').element.options as { value: string }[];
    expect(choices.map((c) => c.value)).toEqual(['0', '3600', '86400', '604800']);
    values.grace = { value: { type: 'radio_buttons', selected_option: choices[1] } };
    const answer = (await slack.interaction(viewSubmission(user, view, values))).json() as {
      response_action: string;
      view: View;
    };
    expect(answer.view.callback_id).toBe('key.show-once');
    expect(answer.view.title).toMatchObject({ text: 'API Key Replaced' });
    const newSecret = /```(hk_[0-9A-Za-z]+)```/.exec(JSON.stringify(answer.view))?.[1];
    expect(newSecret).toBeDefined();
    expect(await rt.keys.check(newSecret!, 'GET', '/v1/jobs')).toMatchObject({ decision: { allowed: true } });
    expect(await rt.keys.check(oldSecret, 'GET', '/v1/jobs')).toMatchObject({ decision: { allowed: true } });
    const old = await rt.keys.get(key.id);
    expect(old.revokeAt!.getTime() - Date.now()).toBeGreaterThan(3500 * 1000);
  });

  it('revokes the old key right away when "Now" is chosen', async () => {
    const user = await admin();
    const { key, secret: oldSecret } = await rt.keys.create({
      actor: user,
      description: 'Leaked key',
      grants: ['GET /v1/jobs'],
    });
    const view = await openFromCommand(user, `replace ${key.id}`, 'V0REPLACE2');
    const answer = (await slack.interaction(viewSubmission(user, view))).json() as { view: View };
    expect(answer.view.callback_id).toBe('key.show-once');
    expect(await rt.keys.check(oldSecret, 'GET', '/v1/jobs')).toMatchObject({
      decision: { allowed: false, reason: 'revoked' },
    });
  });
});

describe('list and show', () => {
  it('answers ephemerally with the keys and a key’s permissions, escaping what people typed', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Zeta <!channel> & *friends*',
      grants: ['GET /v1/users', 'GET /v1/jobs'],
    });
    let mark = slack.recorder.mark();
    await slack.command(user, 'list Zeta');
    const list = await slack.recorder.waitFor(mark, 'response_url');
    expect(list.body.response_type).toBe('ephemeral');
    expect(list.raw).toContain(key.id);
    expect(list.raw).toContain('Zeta &lt;!channel&gt; &amp; *friends*');
    expect(list.raw).not.toContain('<!channel>');

    mark = slack.recorder.mark();
    await slack.command(user, `show ${key.id}`);
    const show = await slack.recorder.waitFor(mark, 'response_url');
    expect(show.body.response_type).toBe('ephemeral');
    expect(show.raw).toContain('GET: List Users');
    expect(show.raw).toContain('GET: List Jobs');
  });

  it('opens a key’s dialog from the overflow menu of a list message', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Menu', grants: [] });
    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(user, keyMenuPick('Edit', `edit:${key.id}`), {
        message: { text: 'keys', blocks: [] },
        responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/menu',
      }),
    );
    const opened = await slack.recorder.waitFor(mark, 'views.open');
    expect((opened.body.view as View).callback_id).toBe('key.edit');
  });

  it('shows help for anything else', async () => {
    const user = await admin();
    const mark = slack.recorder.mark();
    await slack.command(user, 'frobnicate');
    const help = await slack.recorder.waitFor(mark, 'response_url');
    expect(help.raw).toContain('/harvest-keys create');
    expect(help.body.response_type).toBe('ephemeral');
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
    expect(sightings.some((s) => s.where === 'show-once')).toBe(true);
    expect(sightings.filter((s) => s.where !== 'show-once')).toEqual([]);
  });
});
