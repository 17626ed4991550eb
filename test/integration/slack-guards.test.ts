import { describe, expect, it } from 'vitest';
import { createUsageSink } from '../../src/db/usage-store.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { initialState, viewSubmission } from '../helpers/slack-payloads.ts';
import { secretSightings } from '../helpers/slack-traffic.ts';

// The shipped defaults: APPROVAL_REQUIRED_FOR names every action, and no APPROVALS_CHANNEL is set.
const { rt, slack, logs, admin } = slackSuite({
  logLevel: 'trace',
  env: { APPROVAL_REQUIRED_FOR: 'create,permissions,reenable,replace' },
});

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
type Option = { value: string; text: { text: string }; description?: { text: string } };

async function openFromCommand(user: string, text: string, viewId: string): Promise<View> {
  const mark = slack.recorder.mark();
  await slack.command(user, text);
  return { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: viewId };
}

const submitText = (view: View) => (view.submit as { text: string } | undefined)?.text;

function untickAll(view: View, state: ReturnType<typeof initialState>): void {
  for (const block of view.blocks)
    if (String(block.block_id).startsWith('pk.'))
      state[block.block_id as string] = { 'picker.check': { type: 'checkboxes', selected_options: [] } };
}

describe('approvals off: no approvals channel', () => {
  it('creates directly with the default APPROVAL_REQUIRED_FOR, and asks first about a key with no permissions', async () => {
    const user = await admin();
    const first = await openFromCommand(user, 'create', 'V0CREATE');
    expect(JSON.stringify(first)).not.toContain('Needs approval');
    const state = initialState(first);
    const descriptionBlock = first.blocks.find((b) => String(b.block_id).startsWith('description'))!.block_id as string;
    state[descriptionBlock] = { value: { type: 'plain_text_input', value: 'Empty on purpose' } };
    const permissions = (await slack.interaction(viewSubmission(user, first, state))).json() as { view: View };
    expect(submitText(permissions.view)).toBe('Save');
    expect(JSON.stringify(permissions.view)).not.toContain('Needs approval');

    const asked = (await slack.interaction(viewSubmission(user, { ...permissions.view, id: 'V0PERMS' }))).json() as {
      response_action: string;
      view: View;
    };
    expect(asked.response_action).toBe('update');
    expect(asked.view.callback_id).toBe('key.permissions');
    expect(JSON.stringify(asked.view)).toContain('No permissions are ticked.* A key without permissions is refused');
    expect(submitText(asked.view)).toBe('Create anyway');
    expect((await rt.keys.list({ text: 'Empty on purpose' })).total).toBe(0);

    const made = (await slack.interaction(viewSubmission(user, { ...asked.view, id: 'V0PERMS' }))).json() as {
      view: View;
    };
    expect(made.view.callback_id).toBe('key.show-once');
    const [key] = (await rt.keys.list({ text: 'Empty on purpose' })).keys;
    expect(key?.permissions).toEqual([]);
    expect(await rt.approvals.listPending()).toEqual([]);
  });

  it('tells admins on App Home that approvals are off and how to turn them on', async () => {
    const user = await admin();
    const mark = slack.recorder.mark();
    await slack.event({ type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '1.1' });
    const home = JSON.stringify((await slack.recorder.waitFor(mark, 'views.publish')).body.view);
    expect(home).toContain('Approvals are off:* changes apply as soon as an admin saves them.');
    expect(home).toContain('set `APPROVALS_CHANNEL` to a channel id');
    expect(home).toContain('`/harvest-keys roles`');
  });

  it('re-enables and replaces directly: their buttons do not say "Request approval"', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Direct', grants: ['GET /v1/users'] });
    const replace = await openFromCommand(user, `replace ${key.id}`, 'V0REPLACE');
    expect(submitText(replace)).toBe('Replace');
    await rt.keys.revoke(key.id, { actor: user, reason: 'No longer needed' });
    const enable = JSON.stringify(await openFromCommand(user, `enable ${key.id}`, 'V0ENABLE'));
    expect(enable).toContain('"text":"Re-enable key"');
    // Not revoked as lost: no acknowledgement asked.
    expect(enable).not.toContain('key.enable.ack');
  });
});

describe('guards', () => {
  it('asks for a tick before an edit leaves a key with no permissions', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Thin', grants: ['GET /v1/users'] });
    const view = await openFromCommand(user, `edit ${key.id}`, 'V0EDIT');
    const state = initialState(view);
    untickAll(view, state);
    const review = (await slack.interaction(viewSubmission(user, view, state))).json() as { view: View };
    expect(review.view.callback_id).toBe('key.edit.confirm');
    expect(JSON.stringify(review.view)).toContain('This leaves the key with no permissions.');
    const confirmBlock = review.view.blocks.find((b) => b.block_id === 'confirm_empty');
    expect(confirmBlock).toMatchObject({ type: 'input', element: { type: 'checkboxes' } });
    expect(confirmBlock?.optional).toBeUndefined();

    const unticked = (await slack.interaction(viewSubmission(user, { ...review.view, id: 'V0EDIT2' }))).json();
    expect(unticked).toMatchObject({ response_action: 'errors', errors: { confirm_empty: expect.any(String) } });
    expect((await rt.keys.get(key.id)).permissions).toEqual(['GET /v1/users']);

    const ticked = initialState(review.view);
    const options = (confirmBlock!.element as { options: Option[] }).options;
    ticked.confirm_empty = { value: { type: 'checkboxes', selected_options: options } };
    const saved = (await slack.interaction(viewSubmission(user, { ...review.view, id: 'V0EDIT2' }, ticked))).json();
    expect(saved).toEqual({ response_action: 'clear' });
    expect((await rt.keys.get(key.id)).permissions).toEqual([]);
  });

  it('does not ask about an edit that keeps a permission', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Two',
      grants: ['GET /v1/users', 'GET /v1/jobs'],
    });
    const view = await openFromCommand(user, `edit ${key.id}`, 'V0EDIT3');
    const state = initialState(view);
    state.description = { value: { type: 'plain_text_input', value: 'Two, renamed' } };
    const review = (await slack.interaction(viewSubmission(user, view, state))).json() as { view: View };
    expect(review.view.blocks.some((b) => b.block_id === 'confirm_empty')).toBe(false);
  });

  it('defaults Replace to a 24-hour grace period for a key used this week, and warns like revoke', async () => {
    const user = await admin();
    const { key: idle } = await rt.keys.create({ actor: user, description: 'Idle', grants: ['GET /v1/users'] });
    const { key: busy } = await rt.keys.create({ actor: user, description: 'Busy', grants: ['GET /v1/users'] });
    await createUsageSink(rt.db.sql).write({
      counts: [
        {
          keyId: busy.id,
          endpointId: 'GET /v1/users',
          day: new Date().toISOString().slice(0, 10),
          allowed: 3,
          denied: 0,
        },
      ],
      lastUsed: [{ keyId: busy.id, at: new Date() }],
    });
    const grace = (view: View) =>
      (view.blocks.find((b) => b.block_id === 'grace')!.element as { initial_option: Option }).initial_option.value;

    const idleView = await openFromCommand(user, `replace ${idle.id}`, 'V0IDLE');
    expect(grace(idleView)).toBe('0');
    expect(JSON.stringify(idleView)).toContain('It was not used in the last 7 days');

    const busyView = await openFromCommand(user, `replace ${busy.id}`, 'V0BUSY');
    expect(grace(busyView)).toBe('86400');
    expect(JSON.stringify(busyView)).toMatch(/This key is in use\* \(last used <!date\^/);
    expect(JSON.stringify(busyView)).toContain('keeps working for 24 hours unless you choose otherwise');

    const replaced = (await slack.interaction(viewSubmission(user, busyView))).json() as { view: View };
    expect(replaced.view.callback_id).toBe('key.show-once');
    const old = await rt.keys.get(busy.id);
    expect(old.status).toBe('active');
    expect(old.revokeAt?.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
  });

  it('kept every view within Block Kit limits and showed secrets only once', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
    expect(secretSightings(slack.recorder.traffic, logs.text()).filter((s) => s.where !== 'show-once')).toEqual([]);
  });
});
