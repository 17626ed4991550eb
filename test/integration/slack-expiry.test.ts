import { describe, expect, it } from 'vitest';
import { assertValidSurface } from '../helpers/block-kit-validator.ts';
import { blockActions, checkboxBlocks, findElement, initialState, viewSubmission } from '../helpers/slack-payloads.ts';
import { slackSuite } from '../helpers/slack-suite.ts';

const CHANNEL = 'C0EXPIRYAPPROVALS';
const APPROVER = 'U0EXPAPPROVER';
const DAY = 86_400_000;
// A maximum lifetime of 120 days, and approvals for permission changes only (creates run at once).
const { rt, slack, admin } = slackSuite({
  logLevel: 'info',
  env: { KEY_MAX_LIFETIME_DAYS: '120', APPROVAL_REQUIRED_FOR: 'permissions', APPROVALS_CHANNEL: CHANNEL },
  roles: { [APPROVER]: ['approver'] },
});

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
type Select = { options: { value: string; text: { text: string } }[]; initial_option: { value: string } };

async function openFromCommand(user: string, text: string, viewId: string): Promise<View> {
  const mark = slack.recorder.mark();
  await slack.command(user, text);
  const opened = await slack.recorder.waitFor(mark, 'views.open');
  const view = { ...(opened.body.view as View), id: viewId };
  assertValidSurface('modal', view);
  return view;
}

function expiresSelect(view: View): Select {
  const block = view.blocks.find((b) => b.block_id === 'expires') as { element: Select } | undefined;
  expect(block).toBeDefined();
  return block!.element;
}

type Values = Record<string, Record<string, Record<string, unknown>>>;
const choose = (value: string): Values => ({
  expires: { value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: value }, value } } },
});

describe('the Expires field', () => {
  it('offers lifetimes within KEY_MAX_LIFETIME_DAYS in the create dialog, defaults to the maximum, and sets it', async () => {
    const user = await admin();
    const first = await openFromCommand(user, 'create', 'V0EXPCREATE');
    const select = expiresSelect(first);
    expect(select.options.map((o) => o.text.text)).toEqual(['30 days', '90 days', '120 days (the maximum)']);
    expect(select.initial_option.value).toBe('120');

    const state: Values = { ...initialState(first), ...choose('30') };
    const description = first.blocks.find((b) => String(b.block_id).startsWith('description'))!.block_id as string;
    state[description] = { value: { type: 'plain_text_input', value: 'Thirty-day key' } };
    const step2 = (await slack.interaction(viewSubmission(user, first, state))).json() as { view: View };
    assertValidSurface('modal', step2.view);
    expect(JSON.stringify(step2.view)).toContain('*Expires:* in 30 days');

    // Tick one endpoint and save: the key expires 30 days from now.
    const checks = initialState(step2.view);
    const block = checkboxBlocks(step2.view)[0]!;
    const first0 = (block.element as { options: unknown[] }).options[0];
    checks[block.block_id as string] = { 'picker.check': { type: 'checkboxes', selected_options: [first0] } };
    const saved = (
      await slack.interaction(viewSubmission(user, { ...step2.view, id: 'V0EXPCREATE' }, checks))
    ).json() as {
      view: View;
    };
    expect(saved.view.callback_id).toBe('key.show-once');
    const keyId = findElement(saved.view, 'key.stored').element.value as string;
    const key = await rt.keys.get(keyId);
    expect(Math.abs((key.expiresAt?.getTime() ?? 0) - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
  });

  it('refuses a lifetime the policy does not allow (a stale or forged choice) at the field', async () => {
    const user = await admin();
    const first = await openFromCommand(user, 'create', 'V0EXPFORGED');
    const state: Values = { ...initialState(first), ...choose('none') };
    const description = first.blocks.find((b) => String(b.block_id).startsWith('description'))!.block_id as string;
    state[description] = { value: { type: 'plain_text_input', value: 'Forever key' } };
    const answer = (await slack.interaction(viewSubmission(user, first, state))).json() as {
      response_action: string;
      errors: Record<string, string>;
    };
    expect(answer).toMatchObject({ response_action: 'errors' });
    expect(answer.errors.expires).toContain('no longer allowed');
  });

  it('shortens an expiry in Edit at once, and holds an extension for approval like a permission change', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Edited expiry',
      grants: ['GET /v1/users'],
      expiresAt: new Date(Date.now() + 60 * DAY),
    });
    // Shorten to 30 days: applied directly.
    let edit = await openFromCommand(user, `edit ${key.id}`, 'V0EXPEDIT');
    const select = expiresSelect(edit);
    expect(select.initial_option.value).toBe('keep');
    expect(select.options[0]?.text.text).toMatch(/^Keep \(expires in (59|60) days\)$/);
    let review = (
      await slack.interaction(viewSubmission(user, edit, { ...initialState(edit), ...choose('30') }))
    ).json() as { view: View };
    expect(review.view.callback_id).toBe('key.edit.confirm');
    assertValidSurface('modal', review.view);
    expect(JSON.stringify(review.view)).toContain('_(shortened)_');
    expect((review.view.submit as { text: string }).text).toBe('Save');
    let mark = slack.recorder.mark();
    await slack.interaction(viewSubmission(user, { ...review.view, id: 'V0EXPEDIT2' }));
    const dm = await slack.recorder.waitFor(mark, 'chat.postMessage');
    expect(String(dm.body.text)).toMatch(/^:pencil2: Saved \*Edited expiry\* `…\w{4}`: it now expires <!date\^\d+\^/);
    const shortened = await rt.keys.get(key.id);
    expect(Math.abs((shortened.expiresAt?.getTime() ?? 0) - (Date.now() + 30 * DAY))).toBeLessThan(60_000);

    // Extend to 120 days: held for approval, the key unchanged until an approver says yes.
    edit = await openFromCommand(user, `edit ${key.id}`, 'V0EXPEDIT3');
    review = (
      await slack.interaction(viewSubmission(user, edit, { ...initialState(edit), ...choose('120') }))
    ).json() as { view: View };
    expect(JSON.stringify(review.view)).toContain('_(extended)_');
    mark = slack.recorder.mark();
    const held = (await slack.interaction(viewSubmission(user, { ...review.view, id: 'V0EXPEDIT4' }))).json() as {
      view: View;
    };
    expect(held.view.title).toMatchObject({ text: 'Sent for Approval' });
    const card = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    expect(card.raw).toMatch(/\*Expires:\* ~<!date\^\d+\^[^>]+>~ → <!date\^\d+\^[^>]+> \(extended\)/);
    expect((await rt.keys.get(key.id)).expiresAt?.getTime()).toBe(shortened.expiresAt?.getTime());

    const approvedMark = slack.recorder.mark();
    const { block, element } = findElement(card.body as View, 'approval.approve');
    await slack.interaction({
      ...blockActions(
        APPROVER,
        {
          type: 'button',
          action_id: 'approval.approve',
          block_id: block.block_id as string,
          value: element.value as string,
        },
        {
          message: { ...(card.body as View), ts: '1700000000.000200' },
          responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/approval',
        },
      ),
      channel: { id: CHANNEL, name: 'approvals' },
      container: { type: 'message', message_ts: '1700000000.000200', channel_id: CHANNEL },
    });
    await slack.recorder.waitFor(approvedMark, 'chat.update');
    const extended = await rt.keys.get(key.id);
    expect(Math.abs((extended.expiresAt?.getTime() ?? 0) - (Date.now() + 120 * DAY))).toBeLessThan(60_000);
  });

  it('shows "expires in" on App Home rows, and the Expiring filter finds keys expiring within 7 days', async () => {
    const user = await admin();
    const tag = `exp${Date.now()}`;
    await rt.keys.create({
      actor: user,
      description: `${tag} soon`,
      grants: [],
      expiresAt: new Date(Date.now() + 5 * DAY + 60_000),
    });
    await rt.keys.create({
      actor: user,
      description: `${tag} later`,
      grants: [],
      expiresAt: new Date(Date.now() + 30 * DAY),
    });
    let mark = slack.recorder.mark();
    await slack.event({ type: 'app_home_opened', user, channel: 'D0EXPHOME', tab: 'home', event_ts: '9.1' });
    let home = { ...((await slack.recorder.waitFor(mark, 'views.publish')).body.view as View), id: 'V0EXPHOME' };
    const search = home.blocks.find((b) => String(b.block_id).startsWith('home_search')) as Record<string, unknown>;
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'plain_text_input', action_id: 'home.search', block_id: search.block_id, value: tag } as never,
        { view: home },
      ),
    );
    home = { ...((await slack.recorder.waitFor(mark, 'views.publish')).body.view as View), id: 'V0EXPHOME' };
    expect(JSON.stringify(home)).toContain('Active · expires in 5 days');
    const flags = findElement(home, 'home.filter.flags');
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        {
          type: 'checkboxes',
          action_id: 'home.filter.flags',
          block_id: flags.block.block_id,
          selected_options: [{ text: { type: 'plain_text', text: 'Expiring' }, value: 'expiring' }],
        } as never,
        { view: home },
      ),
    );
    home = { ...((await slack.recorder.waitFor(mark, 'views.publish')).body.view as View), id: 'V0EXPHOME' };
    const shown = JSON.stringify(home);
    expect(shown).toContain(`${tag} soon`);
    expect(shown).not.toContain(`${tag} later`);
  });

  it('re-enables an expired key from Slack with the maximum lifetime, saying it expired', async () => {
    const user = await admin();
    const { key, secret } = await rt.keys.create({
      actor: user,
      description: 'Lapsed in Slack',
      grants: ['GET /v1/users'],
      expiresAt: new Date(Date.now() + 300),
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({ decision: { reason: 'expired' } });
    const enableView = await openFromCommand(user, `enable ${key.id}`, 'V0EXPENABLE');
    expect(JSON.stringify(enableView)).toMatch(/Expired <!date\^\d+\^[^>]+>: re-enabling gives it a new expiry/);
    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'key.enable.confirm', block_id: 'b', value: key.id },
        { view: enableView },
      ),
    );
    await slack.recorder.waitFor(mark, 'views.update', (t) => JSON.stringify(t.body.view).includes('Re-enabled'));
    const enabled = await rt.keys.get(key.id);
    expect(Math.abs((enabled.expiresAt?.getTime() ?? 0) - (Date.now() + 120 * DAY))).toBeLessThan(60_000);
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });
  });
  it('offers Expires in Replace: the new key gets the chosen lifetime, and one beyond the maximum is refused at the field', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Replaced with a lifetime',
      grants: ['GET /v1/users'],
    });
    const dialog = await openFromCommand(user, `replace ${key.id}`, 'V0EXPREPLACE');
    const select = expiresSelect(dialog);
    expect(select.options.map((o) => o.text.text)).toEqual(['30 days', '90 days', '120 days (the maximum)']);
    expect(select.initial_option.value).toBe('120');

    // A lifetime the policy does not offer (never, under a 120-day maximum; or 365 days) is refused beside the field.
    for (const forged of ['none', '365']) {
      const refused = (
        await slack.interaction(viewSubmission(user, dialog, { ...initialState(dialog), ...choose(forged) }))
      ).json() as { response_action: string; errors: Record<string, string> };
      expect(refused).toMatchObject({ response_action: 'errors' });
      expect(refused.errors.expires).toContain('no longer allowed');
    }
    expect((await rt.keys.get(key.id)).replacedBy).toBeNull();

    const saved = (
      await slack.interaction(viewSubmission(user, dialog, { ...initialState(dialog), ...choose('30') }))
    ).json() as { view: View };
    assertValidSurface('modal', saved.view);
    expect(saved.view.callback_id).toBe('key.show-once');
    const newId = (await rt.keys.get(key.id)).replacedBy;
    expect(newId).not.toBeNull();
    const replacement = await rt.keys.get(newId!);
    expect(Math.abs((replacement.expiresAt?.getTime() ?? 0) - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
  });

  it('offers Expires in Re-enable, "Keep" first while the key\'s expiry is valid; a chosen lifetime lands, a forged one is refused', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Paused with time left',
      grants: ['GET /v1/users'],
      expiresAt: new Date(Date.now() + 10 * DAY + 3_600_000),
    });
    await rt.keys.revoke(key.id, { actor: user, reason: 'Paused' });
    const dialog = await openFromCommand(user, `enable ${key.id}`, 'V0EXPREENABLE');
    const found = findElement(dialog, 'key.enable.expires');
    expect(found.block.block_id).toBe('expires');
    const select = found.element as unknown as Select;
    expect(select.options.map((o) => o.text.text)).toEqual([
      'Keep (expires in 10 days)',
      '30 days',
      '90 days',
      '120 days (the maximum)',
    ]);
    expect(select.initial_option.value).toBe('keep');
    const click = (value: string) =>
      slack.interaction(
        blockActions(
          user,
          { type: 'button', action_id: 'key.enable.confirm', block_id: 'b', value: key.id },
          {
            view: dialog,
            values: {
              expires: {
                'key.enable.expires': {
                  type: 'static_select',
                  selected_option: { text: { type: 'plain_text', text: value }, value },
                },
              },
            },
          },
        ),
      );

    // Beyond the maximum: the dialog is drawn again with the refusal under the select, and the key stays revoked.
    let mark = slack.recorder.mark();
    await click('365');
    const refused = await slack.recorder.waitFor(mark, 'views.update');
    assertValidSurface('modal', refused.body.view as View);
    expect(JSON.stringify(refused.body.view)).toContain('That lifetime is no longer allowed here: pick again.');
    expect((await rt.keys.get(key.id)).status).toBe('revoked');

    mark = slack.recorder.mark();
    await click('90');
    await slack.recorder.waitFor(mark, 'views.update', (t) => JSON.stringify(t.body.view).includes('Re-enabled'));
    const enabled = await rt.keys.get(key.id);
    expect(enabled.status).toBe('active');
    expect(Math.abs((enabled.expiresAt?.getTime() ?? 0) - (Date.now() + 90 * DAY))).toBeLessThan(60_000);
  });
});

describe('Extend from an expiry reminder', () => {
  it('is held for approval like a permission change, offers lifetimes within the maximum, and applies once approved', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Reminded and extended',
      grants: ['GET /v1/users'],
      expiresAt: new Date(Date.now() + 3 * DAY),
    });
    // No ALERTS_CHANNEL here: the notice is only logged, and the creator's DM carries the buttons.
    let mark = slack.recorder.mark();
    await slack.runAlertSweeps();
    const dm = await slack.recorder.waitFor(
      mark,
      'chat.postMessage',
      (t) => t.body.channel === user && t.raw.includes(key.hint),
    );
    assertValidSurface('message', dm.body);
    const message = { ...(dm.body as View), ts: '1700000000.000300' };
    const button = findElement(message, 'reminder.extend');
    mark = slack.recorder.mark();
    await slack.interaction({
      ...blockActions(
        user,
        {
          type: 'button',
          action_id: 'reminder.extend',
          block_id: button.block.block_id as string,
          value: button.element.value as string,
        },
        { message, responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/reminder' },
      ),
      channel: { id: 'D0REMINDER', name: 'directmessage' },
      container: { type: 'message', message_ts: '1700000000.000300', channel_id: 'D0REMINDER' },
    });
    const dialog = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0EXTENDHELD' };
    assertValidSurface('modal', dialog);
    expect(JSON.stringify(dialog)).toContain('Needs approval.');
    expect((dialog as { submit?: { text: string } }).submit?.text).toBe('Request approval');
    const select = expiresSelect(dialog);
    expect(select.options.map((o) => o.value)).toEqual(['30', '90', '120']);
    expect(select.initial_option.value).toBe('120');

    mark = slack.recorder.mark();
    const held = (await slack.interaction(viewSubmission(user, dialog))).json() as { view: View };
    expect(held.view.title).toMatchObject({ text: 'Sent for Approval' });
    const card = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    expect(card.raw).toMatch(/\*Expires:\* ~<!date\^\d+\^[^>]+>~ → <!date\^\d+\^[^>]+> \(extended\)/);
    expect((await rt.keys.get(key.id)).expiresAt?.getTime()).toBe(key.expiresAt?.getTime());

    // Extend again while that request waits: no second dialog (and no second request), the clicker is told why.
    const [waiting] = await rt.approvals.listPending();
    mark = slack.recorder.mark();
    await slack.interaction({
      ...blockActions(
        user,
        {
          type: 'button',
          action_id: 'reminder.extend',
          block_id: button.block.block_id as string,
          value: button.element.value as string,
        },
        { message, responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/reminder' },
      ),
      channel: { id: 'D0REMINDER', name: 'directmessage' },
      container: { type: 'message', message_ts: '1700000000.000300', channel_id: 'D0REMINDER' },
    });
    const told = await slack.recorder.waitFor(mark, 'chat.postEphemeral', (t) => t.body.user === user);
    expect(String(told.body.text)).toContain(
      `A later expiry for *Reminded and extended* \`…${key.hint}\` is already waiting for approval (request \`${waiting?.id}\`)`,
    );
    expect(slack.recorder.since(mark, 'views.open')).toEqual([]);

    const approvedMark = slack.recorder.mark();
    const approve = findElement(card.body as View, 'approval.approve');
    await slack.interaction({
      ...blockActions(
        APPROVER,
        {
          type: 'button',
          action_id: 'approval.approve',
          block_id: approve.block.block_id as string,
          value: approve.element.value as string,
        },
        {
          message: { ...(card.body as View), ts: '1700000000.000400' },
          responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/approval',
        },
      ),
      channel: { id: CHANNEL, name: 'approvals' },
      container: { type: 'message', message_ts: '1700000000.000400', channel_id: CHANNEL },
    });
    await slack.recorder.waitFor(approvedMark, 'chat.update');
    const extended = await rt.keys.get(key.id);
    expect(Math.abs((extended.expiresAt?.getTime() ?? 0) - (Date.now() + 120 * DAY))).toBeLessThan(60_000);
  });
});
