import { describe, expect, it } from 'vitest';
import { aPartnerName } from '../fixtures/actors.ts';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import {
  blockActions,
  checkboxBlocks,
  findElement,
  initialState,
  viewClosed,
  viewSubmission,
} from '../helpers/slack-payloads.ts';
import { secretSightings } from '../helpers/slack-traffic.ts';

const { rt, slack, logs, admin } = slackSuite({ logLevel: 'trace' });

type View = Record<string, unknown> & { blocks: Record<string, unknown>[] };

describe('creating a key from Slack', () => {
  it('runs the seed flow: command → Create New Credential → Manage Permissions with the preset → key shown once and working', async () => {
    const user = await admin();
    const partnerName = aPartnerName();
    const partner = await rt.partners.create({
      actor: user,
      name: partnerName,
      preset: ['GET /v1/candidates', 'GET /v1/candidates/:id'],
    });

    const mark = slack.recorder.mark();
    const ack = await slack.command(user, 'create');
    expect(ack.status).toBe(200);
    const opened = await slack.recorder.waitFor(mark, 'views.open');
    const createView = { ...(opened.body.view as View), id: 'V0CREATE' };
    expect(createView).toMatchObject({
      callback_id: 'key.create',
      title: { text: 'Create New Credential' },
      submit: { text: 'Manage Permissions' },
    });
    const partnerSelect = findElement(createView, 'create.partner').element;
    const partnerOption = (partnerSelect.options as { value: string }[]).find((o) => o.value === partner.id);
    expect(partnerOption).toBeDefined();

    // Picking the partner fills in the seed's default description.
    const pickMark = slack.recorder.mark();
    const pick = await slack.interaction(
      blockActions(
        user,
        { type: 'static_select', action_id: 'create.partner', block_id: 'partner', selected_option: partnerOption },
        { view: createView },
      ),
    );
    expect(pick.status).toBe(200);
    const updated = await slack.recorder.waitFor(pickMark, 'views.update');
    expect(updated.body.view_id).toBe('V0CREATE');
    const withDefault = { ...(updated.body.view as View), id: 'V0CREATE' };
    const descriptionBlock = withDefault.blocks.find((b) => String(b.block_id).startsWith('description.'))!;
    expect((descriptionBlock.element as { initial_value: string }).initial_value).toBe(
      `${partnerName} Harvest API Key`,
    );

    // Submit step 1 → Manage Permissions, preset pre-checked.
    const values = initialState(withDefault);
    values.partner = { 'create.partner': { type: 'static_select', selected_option: partnerOption } };
    const step2 = await slack.interaction(viewSubmission(user, withDefault, values));
    expect(step2.status).toBe(200);
    const { response_action, view: permissionsView } = step2.json() as { response_action: string; view: View };
    expect(response_action).toBe('update');
    expect(permissionsView.callback_id).toBe('key.permissions');
    const checked = checkboxBlocks(permissionsView).flatMap((b) =>
      ((b.element as { initial_options?: { description: { text: string } }[] }).initial_options ?? []).map(
        (o) => o.description.text,
      ),
    );
    expect(checked.sort()).toEqual(['GET /v1/candidates', 'GET /v1/candidates/:id']);
    expect(permissionsView.blocks.length).toBeLessThanOrEqual(100);

    // Tick one more endpoint (Users) and untick nothing; Save.
    const state = initialState(permissionsView);
    const usersBlock = checkboxBlocks(permissionsView).find((b) =>
      ((b.element as { options: { description: { text: string } }[] }).options ?? []).some(
        (o) => o.description.text === 'GET /v1/users',
      ),
    )!;
    const usersOption = (usersBlock.element as { options: { description: { text: string } }[] }).options.find(
      (o) => o.description.text === 'GET /v1/users',
    );
    state[usersBlock.block_id as string] = { 'picker.check': { type: 'checkboxes', selected_options: [usersOption] } };
    const homeMark = slack.recorder.mark();
    const saved = await slack.interaction(viewSubmission(user, { ...permissionsView, id: 'V0CREATE' }, state));
    const showOnce = saved.json() as { response_action: string; view: View };
    expect(showOnce.response_action).toBe('update');
    expect(showOnce.view.callback_id).toBe('key.show-once');
    expect(showOnce.view.notify_on_close).toBe(true);
    const secret = /```(hk_[0-9A-Za-z]+)```/.exec(JSON.stringify(showOnce.view))?.[1];
    expect(secret).toBeDefined();
    expect(showOnce.view.private_metadata).not.toContain(secret!);
    const storedButton = findElement(showOnce.view, 'key.stored').element;
    expect((storedButton.text as { text: string }).text).toBe('I have stored the API Key');

    // The key really works, with the preset plus the extra grant and nothing else.
    const allowed = await rt.keys.check(secret!, 'GET', '/v1/candidates/42');
    expect(allowed).toMatchObject({ outcome: 'decided', decision: { allowed: true } });
    expect(await rt.keys.check(secret!, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });
    expect(await rt.keys.check(secret!, 'GET', '/v1/jobs')).toMatchObject({
      decision: { allowed: false, reason: 'not_granted' },
    });
    const keyId = storedButton.value as string;
    const key = await rt.keys.get(keyId);
    expect(key).toMatchObject({ description: `${partnerName} Harvest API Key`, partnerName, createdBy: user });
    expect(key.permissions).toEqual(['GET /v1/candidates', 'GET /v1/candidates/:id', 'GET /v1/users']);

    // The App Home is republished with the new key.
    const home = await slack.recorder.waitFor(homeMark, 'views.publish', (t) => t.body.user_id === user);
    expect(JSON.stringify(home.body.view)).toContain(keyId);

    // "I have stored the API Key" replaces the view; the secret is gone from it.
    const storedMark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'key.stored', block_id: 'x', value: keyId },
        { view: { ...showOnce.view, id: 'V0CREATE' } },
      ),
    );
    const after = await slack.recorder.waitFor(storedMark, 'views.update');
    expect(JSON.stringify(after.body.view)).toContain(
      `*${key.description}* \`…${key.hint}\` is ready with 3 permissions`,
    );
    expect(after.raw).not.toContain(secret!);

    // Closing by X is acknowledged and refreshes the Home tab.
    const closeMark = slack.recorder.mark();
    const closed = await slack.interaction(viewClosed(user, showOnce.view));
    expect(closed.status).toBe(200);
    await slack.recorder.waitFor(closeMark, 'views.publish');
  });

  it('asks for a description when there is no partner, on the description field', async () => {
    const user = await admin();
    const mark = slack.recorder.mark();
    await slack.command(user, 'create');
    const view = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0NOPARTNER' };
    const answer = (await slack.interaction(viewSubmission(user, view))).json() as {
      response_action: string;
      errors: Record<string, string>;
    };
    expect(answer.response_action).toBe('errors');
    expect(Object.keys(answer.errors)).toEqual(['description.0']);
  });

  it('creates a key without a partner with exactly the ticked endpoints', async () => {
    const user = await admin();
    const mark = slack.recorder.mark();
    await slack.command(user, 'create');
    const view = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0NOPARTNER2' };
    const values = initialState(view);
    values['description.0'] = { value: { type: 'plain_text_input', value: 'Internal <!channel> reporting & *stats*' } };
    const step2 = (await slack.interaction(viewSubmission(user, view, values))).json() as { view: View };
    expect(
      checkboxBlocks(step2.view).every(
        (b) => (b.element as { initial_options?: unknown }).initial_options === undefined,
      ),
    ).toBe(true);
    // Select all, then save: every endpoint of the catalog.
    const allMark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'picker.all', block_id: 'b', value: 'all' },
        { view: { ...step2.view, id: 'V0NOPARTNER2' } },
      ),
    );
    const redrawn = {
      ...((await slack.recorder.waitFor(allMark, 'views.update')).body.view as View),
      id: 'V0NOPARTNER2',
    };
    const saved = (await slack.interaction(viewSubmission(user, redrawn))).json() as { view: View };
    const keyId = findElement(saved.view, 'key.stored').element.value as string;
    const key = await rt.keys.get(keyId);
    expect(key.description).toBe('Internal <!channel> reporting & *stats*');
    expect(key.permissions).toHaveLength(rt.catalog.endpoints.length);
    expect(JSON.stringify(saved.view)).toContain('Internal &lt;!channel&gt; reporting &amp; *stats*');
  });
});

describe('many partners', () => {
  it('switches the partner picker to a searched select past 99 partners and answers its searches', async () => {
    const user = await admin();
    const tag = `Zz${Date.now()}`;
    for (let i = 0; i < 100; i++) await rt.partners.create({ actor: user, name: `${tag} Partner ${i}` });
    const mark = slack.recorder.mark();
    await slack.command(user, 'create');
    const view = (await slack.recorder.waitFor(mark, 'views.open')).body.view as View;
    expect(findElement(view, 'create.partner').element.type).toBe('external_select');
    const answer = await slack.interaction({
      type: 'block_suggestion',
      action_id: 'create.partner',
      block_id: 'partner',
      value: `${tag} Partner 4`,
      team: { id: 'T0TEST', domain: 'harvest-test' },
      user: { id: user, name: 'u', team_id: 'T0TEST' },
      api_app_id: 'A0TEST',
      token: 'legacy-verification-token',
      view: { ...view, id: 'V0SEARCH', state: { values: {} } },
    });
    const { options } = answer.json() as { options: { text: { text: string }; value: string }[] };
    expect(options.map((o) => o.text.text)).toEqual([
      'None (no partner)',
      `${tag} Partner 4`,
      ...Array.from({ length: 10 }, (_, i) => `${tag} Partner ${40 + i}`),
    ]);
  });
});

describe('what left the app', () => {
  it('acknowledges every button, menu and dispatching input it drew', async () => {
    expect(await unacknowledgedActions(slack)).toEqual([]);
  });

  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });

  it('showed each secret only in its show-once view: never in an API call, a message or a log line', () => {
    const sightings = secretSightings(slack.recorder.traffic, logs.text());
    expect(sightings.length).toBeGreaterThan(0);
    expect(sightings.filter((s) => s.where !== 'show-once')).toEqual([]);
  });
});
