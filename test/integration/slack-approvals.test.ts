import { describe, expect, it } from 'vitest';
import { slackSuite } from '../helpers/slack-suite.ts';
import { blockActions, findElement, initialState, viewSubmission } from '../helpers/slack-payloads.ts';
import { secretSightings } from '../helpers/slack-traffic.ts';

const CHANNEL = 'C0APPROVALS';
const APPROVER = 'U0APPROVER1';
const APPROVER_2 = 'U0APPROVER2';
const { rt, slack, logs, admin } = slackSuite({
  logLevel: 'trace',
  env: { APPROVAL_REQUIRED_FOR: 'create,permissions,reenable,replace', APPROVALS_CHANNEL: CHANNEL },
  roles: { [APPROVER]: ['approver'], [APPROVER_2]: ['approver'] },
});

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };

function mrkdwnTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(mrkdwnTexts);
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  const own = record.type === 'mrkdwn' && typeof record.text === 'string' ? [record.text] : [];
  return [...own, ...Object.values(record).flatMap(mrkdwnTexts)];
}

/** Runs the create flow up to Save with the given endpoints ticked, and returns Save's answer. */
async function submitCreate(user: string, description: string): Promise<Record<string, unknown>> {
  const mark = slack.recorder.mark();
  await slack.command(user, 'create');
  const opened = await slack.recorder.waitFor(mark, 'views.open');
  const first = { ...(opened.body.view as View), id: 'V0CREATE' };
  const state = initialState(first);
  const descriptionBlock = first.blocks.find((b) => String(b.block_id).startsWith('description'))!.block_id as string;
  state[descriptionBlock] = { value: { type: 'plain_text_input', value: description } };
  const permissions = (await slack.interaction(viewSubmission(user, first, state))).json() as { view: View };
  const saved = (await slack.interaction(viewSubmission(user, { ...permissions.view, id: 'V0PERMS' }))).json();
  // Nothing ticked: the dialog asks once more before a key without permissions is requested.
  const again = saved.view as View | undefined;
  if (again === undefined || !JSON.stringify(again).includes('No permissions are ticked')) return saved;
  return (await slack.interaction(viewSubmission(user, { ...again, id: 'V0PERMS' }))).json();
}

/** `/harvest-keys <text>` and the modal it opened. */
async function openFromCommand(user: string, text: string, viewId: string): Promise<View> {
  const mark = slack.recorder.mark();
  await slack.command(user, text);
  return { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: viewId };
}

const submitText = (view: View) => (view.submit as { text: string } | undefined)?.text;

/** The card as posted, shaped as the message in a block_actions payload from the approvals channel. */
function cardClick(user: string, card: Record<string, unknown>, actionId: string) {
  const { block, element } = findElement(card as { blocks: unknown }, actionId);
  const payload = blockActions(
    user,
    { type: 'button', action_id: actionId, block_id: block.block_id as string, value: element.value as string },
    {
      message: { ...card, ts: '1700000000.000100' },
      responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/approval',
    },
  );
  return {
    ...payload,
    channel: { id: CHANNEL, name: 'approvals' },
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: CHANNEL },
  };
}

describe('approvals from Slack', () => {
  it('holds a create, posts a card, and after approval the requester reveals the key exactly once', async () => {
    const requester = await admin();
    const before = (await rt.keys.list()).total;
    const mark = slack.recorder.mark();
    const saved = await submitCreate(requester, 'Held from Slack <!channel>');
    expect(saved).toMatchObject({ response_action: 'update', view: { title: { text: 'Sent for Approval' } } });
    expect((await rt.keys.list()).total).toBe(before);

    const card = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    const cardText = JSON.stringify(card.body);
    expect(cardText).toContain('Create a new API key');
    expect(cardText).toContain('&lt;!channel&gt;');
    // Plain text is never parsed for mentions; the fallback text and every mrkdwn text must carry it escaped.
    expect([String(card.body.text), ...mrkdwnTexts(card.body)].join('\n')).not.toContain('<!channel>');
    await expect.poll(async () => (await rt.approvals.listPending())[0]?.cardChannel).toBe(CHANNEL);

    // The requester cannot approve their own request, even as an approver.
    await rt.roles.grant(requester, 'approver', 'test');
    const selfMark = slack.recorder.mark();
    await slack.interaction(cardClick(requester, card.body, 'approval.approve'));
    const refusal = await slack.recorder.waitFor(selfMark, 'chat.postEphemeral');
    expect(String(refusal.body.text)).toMatch(/cannot approve or deny your own request/);
    await rt.roles.remove(requester, 'approver', 'test');

    const approveMark = slack.recorder.mark();
    expect((await slack.interaction(cardClick(APPROVER, card.body, 'approval.approve'))).status).toBe(200);
    const updated = await slack.recorder.waitFor(approveMark, 'chat.update', (t) => t.body.channel === CHANNEL);
    expect(JSON.stringify(updated.body)).toContain('Approved and done');
    expect(JSON.stringify(updated.body)).not.toContain('approval.approve');
    const dm = await slack.recorder.waitFor(approveMark, 'chat.postMessage', (t) => t.body.channel === requester);
    expect((await rt.keys.list()).total).toBe(before);

    const reveal = findElement(dm.body as { blocks: unknown }, 'approval.reveal');
    const revealClick = () =>
      slack.interaction(
        blockActions(
          requester,
          {
            type: 'button',
            action_id: 'approval.reveal',
            block_id: (reveal.block.block_id as string) ?? 'b',
            value: reveal.element.value as string,
          },
          {
            message: { ...dm.body, ts: '1700000000.000200' },
            responseUrl: 'https://hooks.slack.com/actions/T0TEST/2/reveal',
          },
        ),
      );
    const revealMark = slack.recorder.mark();
    await revealClick();
    const shown = await slack.recorder.waitFor(
      revealMark,
      'views.update',
      (t) => (t.body.view as { callback_id?: string }).callback_id === 'key.show-once',
    );
    const secret = /hk_[0-9A-Za-z]{38}/.exec(shown.raw)?.[0] as string;
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({ outcome: 'decided' });
    expect((await rt.keys.list()).total).toBe(before + 1);

    const againMark = slack.recorder.mark();
    await revealClick();
    const again = await slack.recorder.waitFor(againMark, 'views.update');
    expect(JSON.stringify(again.body)).toContain('already revealed');
    expect((await rt.keys.list()).total).toBe(before + 1);
  });

  it('denies with a reason from a modal, and the requester is told why', async () => {
    const requester = await admin();
    const mark = slack.recorder.mark();
    await submitCreate(requester, 'To be denied');
    const card = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    const denyMark = slack.recorder.mark();
    await slack.interaction(cardClick(APPROVER_2, card.body, 'approval.deny'));
    const modal = await slack.recorder.waitFor(denyMark, 'views.open');
    const view = { ...(modal.body.view as View), id: 'V0DENY' };
    const empty = (
      await slack.interaction(
        viewSubmission(APPROVER_2, view, { deny_reason: { value: { type: 'plain_text_input', value: ' ' } } }),
      )
    ).json();
    expect(empty).toMatchObject({ response_action: 'errors', errors: { deny_reason: expect.any(String) } });
    const answer = (
      await slack.interaction(
        viewSubmission(APPROVER_2, view, {
          deny_reason: { value: { type: 'plain_text_input', value: 'No ticket <b>' } },
        }),
      )
    ).json();
    expect(answer).toEqual({ response_action: 'clear' });
    const dm = await slack.recorder.waitFor(denyMark, 'chat.postMessage', (t) => t.body.channel === requester);
    expect(String(dm.body.text)).toContain('Denied');
    // In a sentence the action keeps its proper case: "create a new API key", never "create a new api key".
    expect(String(dm.body.text)).toContain('your request to create a new API key (To be denied)');
    expect(JSON.stringify(dm.body)).not.toContain('api key');
    expect(JSON.stringify(dm.body)).toContain('No ticket &lt;b&gt;');
    const updated = await slack.recorder.waitFor(denyMark, 'chat.update');
    expect(JSON.stringify(updated.body)).toContain(`<@${APPROVER_2}>`);
  });

  it('names the request by what it asks when its card cannot be posted', async () => {
    const requester = await admin();
    slack.recorder.failNext('chat.postMessage', { error: 'channel_not_found' });
    const mark = slack.recorder.mark();
    await submitCreate(requester, 'Cardless');
    const dm = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === requester);
    expect(String(dm.body.text)).toContain(
      'Your request to create a new API key (Cardless) is waiting for approval, but its card could not be posted',
    );
    expect(String(dm.body.text)).not.toMatch(/request req_/);
  });

  it('refuses a click by someone without the approver role and changes nothing', async () => {
    const requester = await admin();
    const mark = slack.recorder.mark();
    await submitCreate(requester, 'Outsider click');
    const card = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    const clickMark = slack.recorder.mark();
    await slack.interaction(cardClick('U0OUTSIDER', card.body, 'approval.approve'));
    const told = await slack.recorder.waitFor(clickMark, 'chat.postEphemeral');
    expect(String(told.body.text)).toMatch(/Only approvers/);
    await slack.interaction(cardClick('U0OUTSIDER', card.body, 'approval.deny'));
    await slack.recorder.waitFor(clickMark, 'chat.postEphemeral', (t) => t !== told);
    expect(slack.recorder.since(clickMark, 'views.open')).toHaveLength(0);
    const pending = (await rt.approvals.listPending()).find((r) => r.payload.description === 'Outsider click');
    expect(pending?.decisions).toEqual([]);
  });

  it('holds a re-enable but never a revoke', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Emergency brake' });
    const mark = slack.recorder.mark();
    await slack.command(user, `revoke ${key.id}`);
    const opened = await slack.recorder.waitFor(mark, 'views.open');
    const view = { ...(opened.body.view as View), id: 'V0REVOKE' };
    const confirm = findElement(view, 'key.revoke.confirm');
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'key.revoke.confirm', block_id: confirm.block.block_id as string, value: key.id },
        { view },
      ),
    );
    await slack.recorder.waitFor(mark, 'views.update');
    expect((await rt.keys.get(key.id)).status).toBe('revoked');

    const enableMark = slack.recorder.mark();
    await slack.command(user, `enable ${key.id}`);
    const enableView = {
      ...((await slack.recorder.waitFor(enableMark, 'views.open')).body.view as View),
      id: 'V0ENABLE',
    };
    const enable = findElement(enableView, 'key.enable.confirm');
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'key.enable.confirm', block_id: enable.block.block_id as string, value: key.id },
        { view: enableView },
      ),
    );
    const held = await slack.recorder.waitFor(enableMark, 'views.update');
    expect(JSON.stringify(held.body)).toContain('Sent for Approval');
    expect((await rt.keys.get(key.id)).status).toBe('revoked');
    // The card names the key by its description and last characters, not by a bare id.
    const card = await slack.recorder.waitFor(enableMark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    expect(mrkdwnTexts(card.body.blocks).join('\n')).toContain(`*Key:* *Emergency brake* \`…${key.hint}\``);
    expect(mrkdwnTexts(card.body.blocks).join('\n')).not.toContain(key.id);
  });

  it('says before submit that a create will wait, its button reads "Request approval", and an empty key is asked about', async () => {
    const requester = await admin();
    const first = await openFromCommand(requester, 'create', 'V0CREATE');
    expect(JSON.stringify(first)).toContain('Needs approval.');
    const state = initialState(first);
    const descriptionBlock = first.blocks.find((b) => String(b.block_id).startsWith('description'))!.block_id as string;
    state[descriptionBlock] = { value: { type: 'plain_text_input', value: 'Asked before submit' } };
    const permissions = (await slack.interaction(viewSubmission(requester, first, state))).json() as { view: View };
    expect(JSON.stringify(permissions.view)).toContain('Needs approval.');
    expect(submitText(permissions.view)).toBe('Request approval');

    // Nothing ticked: not a request yet, but the same dialog asking again.
    const asked = (await slack.interaction(viewSubmission(requester, { ...permissions.view, id: 'V0PERMS' }))).json();
    expect(asked).toMatchObject({ response_action: 'update', view: { callback_id: 'key.permissions' } });
    expect(JSON.stringify(asked.view)).toContain('No permissions are ticked');
    expect(submitText(asked.view as View)).toBe('Request approval');
    expect((await rt.approvals.listPending()).some((r) => r.payload.description === 'Asked before submit')).toBe(false);

    const sent = (
      await slack.interaction(viewSubmission(requester, { ...(asked.view as View), id: 'V0PERMS' }))
    ).json();
    expect(sent).toMatchObject({ view: { title: { text: 'Sent for Approval' } } });
    const request = (await rt.approvals.listPending()).find((r) => r.payload.description === 'Asked before submit');
    expect(request?.payload).toMatchObject({ action: 'create', permissions: [] });
  });

  it('labels edit, replace and re-enable "Request approval", and a lost key\'s card says why it was revoked', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Leaky feed', grants: ['GET /v1/users'] });
    const replace = await openFromCommand(user, `replace ${key.id}`, 'V0REPLACE');
    expect(submitText(replace)).toBe('Request approval');
    expect(JSON.stringify(replace)).toContain('Needs approval.');
    const edit = await openFromCommand(user, `edit ${key.id}`, 'V0EDIT');
    expect(submitText(edit)).toBe('Review changes');
    expect(JSON.stringify(edit)).toContain('a description-only change is saved directly');

    await rt.keys.revoke(key.id, { actor: user, reason: 'Lost or possibly leaked' });
    const enable = await openFromCommand(user, `enable ${key.id}`, 'V0ENABLE');
    expect(findElement(enable, 'key.enable.confirm').element.text).toMatchObject({ text: 'Request approval' });
    expect(JSON.stringify(enable)).toContain('This key was revoked as lost or leaked');
    const ack = findElement(enable, 'key.enable.ack');
    const options = (ack.element as { options: unknown[] }).options;
    const values = {
      [ack.block.block_id as string]: { 'key.enable.ack': { type: 'checkboxes', selected_options: options } },
    };
    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'key.enable.confirm', block_id: 'b', value: key.id },
        { view: enable, values },
      ),
    );
    expect(JSON.stringify((await slack.recorder.waitFor(mark, 'views.update')).body)).toContain('Sent for Approval');
    const card = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    const cardText = JSON.stringify(card.body);
    expect(cardText).toContain('Re-enable a revoked API key');
    expect(cardText).toContain('*Revoked because:* Lost or possibly leaked');
    expect(cardText).toContain('reported lost or leaked');
    const request = (await rt.approvals.listPending()).find((r) => r.keyId === key.id);
    expect(request?.payload).toMatchObject({ action: 'reenable', revokeReason: 'Lost or possibly leaked' });
    expect((await rt.keys.get(key.id)).status).toBe('revoked');
  });

  it('tells the requester, in words to act on, that the app is not in the approvals channel', async () => {
    const requester = await admin();
    const mark = slack.recorder.mark();
    slack.recorder.failNext('chat.postMessage', { error: 'not_in_channel' });
    const saved = await submitCreate(requester, 'Card nobody sees');
    expect(saved).toMatchObject({ view: { title: { text: 'Sent for Approval' } } });
    const told = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) =>
      String(t.body.text).includes('could not be posted'),
    );
    expect(String(told.body.text)).toMatch(
      /the app is not a member of the approvals channel <#C0APPROVALS>: invite it/,
    );
    expect(String(told.body.text)).toContain('/harvest-keys approvals');
  });

  it("explains too few approvers on the refusal and on an admin's App Home", async () => {
    const requester = await admin();
    await rt.roles.remove(APPROVER, 'approver', 'test');
    await rt.roles.remove(APPROVER_2, 'approver', 'test');
    try {
      // Said when the dialog opens, before anything is filled in.
      const first = JSON.stringify(await openFromCommand(requester, 'create', 'V0SHORT'));
      expect(first).toContain('Needs approval, but nobody can give it.');
      expect(first).toContain('nobody else holds the approver role, so the request would be refused');
      const refused = await submitCreate(requester, 'Nobody to approve');
      expect(refused).toMatchObject({ view: { title: { text: 'Key Not Created' } } });
      const text = JSON.stringify(refused.view);
      expect(text).toContain(
        'needs 1 approval from someone other than you, but no other approver exists, so nobody could approve it. Nothing was changed.',
      );
      expect(text).toContain('`/harvest-keys roles`');
      const mark = slack.recorder.mark();
      await slack.event({ type: 'app_home_opened', user: requester, channel: 'D0HOME', tab: 'home', event_ts: '1.3' });
      const home = await slack.recorder.waitFor(mark, 'views.publish');
      expect(JSON.stringify(home.body.view)).toContain('Approvals are on, but nobody can give them');
      expect(JSON.stringify(home.body.view)).toContain('and nobody holds the approver role');
    } finally {
      await rt.roles.grant(APPROVER, 'approver', 'test');
      await rt.roles.grant(APPROVER_2, 'approver', 'test');
    }
    const mark = slack.recorder.mark();
    await slack.event({ type: 'app_home_opened', user: requester, channel: 'D0HOME', tab: 'home', event_ts: '1.4' });
    const home = await slack.recorder.waitFor(mark, 'views.publish');
    expect(JSON.stringify(home.body.view)).toContain(
      'Approvals are on:* create, permission edits, re-enable, replace wait for 1 approval in <#C0APPROVALS>',
    );
  });

  it('lists pending requests with the approvals command and keeps every secret out of Slack but the show-once view', async () => {
    const mark = slack.recorder.mark();
    await slack.command(APPROVER, 'approvals');
    const listed = await slack.recorder.waitFor(mark, 'response_url');
    expect(JSON.stringify(listed.body)).toMatch(/approval request/);
    expect(slack.recorder.blockKitProblems).toEqual([]);
    const leaks = secretSightings(slack.recorder.traffic, logs.text()).filter((s) => s.where !== 'show-once');
    expect(leaks).toEqual([]);
  });
  it('carries the Expires choice of a held replace and a held re-enable into the request', async () => {
    const DAY = 86_400_000;
    const user = await admin();
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Held with a lifetime',
      grants: ['GET /v1/users'],
    });
    const replace = await openFromCommand(user, `replace ${key.id}`, 'V0REPLACEX');
    const chosen = (value: string) => ({
      type: 'static_select',
      selected_option: { text: { type: 'plain_text', text: value }, value },
    });
    const sent = (
      await slack.interaction(
        viewSubmission(user, replace, { ...initialState(replace), expires: { value: chosen('30') } }),
      )
    ).json();
    expect(sent).toMatchObject({ view: { title: { text: 'Sent for Approval' } } });
    const replaceRequest = (await rt.approvals.listPending()).find(
      (r) => r.keyId === key.id && r.payload.action === 'replace',
    );
    const replaceExpiry = Date.parse((replaceRequest?.payload as { expiresAt?: string } | undefined)?.expiresAt ?? '');
    expect(Math.abs(replaceExpiry - (Date.now() + 30 * DAY))).toBeLessThan(60_000);

    const { key: paused } = await rt.keys.create({
      actor: user,
      description: 'Held re-enable',
      grants: ['GET /v1/users'],
    });
    await rt.keys.revoke(paused.id, { actor: user, reason: 'Paused' });
    const enable = await openFromCommand(user, `enable ${paused.id}`, 'V0ENABLEX');
    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'key.enable.confirm', block_id: 'b', value: paused.id },
        { view: enable, values: { expires: { 'key.enable.expires': chosen('90') } } },
      ),
    );
    expect(JSON.stringify((await slack.recorder.waitFor(mark, 'views.update')).body)).toContain('Sent for Approval');
    const enableRequest = (await rt.approvals.listPending()).find((r) => r.keyId === paused.id);
    expect(enableRequest?.payload).toMatchObject({ action: 'reenable' });
    const enableExpiry = Date.parse((enableRequest?.payload as { expiresAt?: string } | undefined)?.expiresAt ?? '');
    expect(Math.abs(enableExpiry - (Date.now() + 90 * DAY))).toBeLessThan(60_000);
    expect((await rt.keys.get(paused.id)).status).toBe('revoked');
  });
});
