import { describe, expect, it } from 'vitest';
import { aPartnerName } from '../fixtures/actors.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { blockActions, findElement, initialState, viewSubmission } from '../helpers/slack-payloads.ts';

/**
 * Allowed networks in the Slack dialogs: a field in Create (filled with the picked partner's defaults), in Edit and
 * in the partner form, one network per line, a bad line named beside the field. Permission edits wait for approval
 * here (APPROVAL_REQUIRED_FOR=permissions), and a change of networks is one.
 */
const CHANNEL = 'C0NETAPPROVALS';
const { rt, slack, admin, userWith } = slackSuite({
  logLevel: 'trace',
  env: { APPROVAL_REQUIRED_FOR: 'permissions', APPROVALS_CHANNEL: CHANNEL },
});

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
type Values = ReturnType<typeof initialState>;

async function openFromCommand(user: string, text: string, viewId: string): Promise<View> {
  const mark = slack.recorder.mark();
  expect((await slack.command(user, text)).status).toBe(200);
  return { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: viewId };
}

function networksBlock(view: View): Record<string, unknown> & { block_id: string; element: Record<string, unknown> } {
  const block = view.blocks.find((b) => String(b.block_id).split('.')[0] === 'networks');
  if (block === undefined) throw new Error('no networks field');
  return block as Record<string, unknown> & { block_id: string; element: Record<string, unknown> };
}

function typeNetworks(view: View, state: Values, text: string): void {
  state[networksBlock(view).block_id] = { value: { type: 'plain_text_input', value: text } };
}

async function submit(user: string, view: View, state: Values) {
  return (await slack.interaction(viewSubmission(user, view, state))).json() as {
    response_action: string;
    view: View;
    errors: Record<string, string>;
  };
}

describe('allowed networks in the create dialog', () => {
  it('starts with the picked partner’s defaults, names a bad line, and creates the key limited to the networks', async () => {
    const user = await admin();
    const partner = await rt.partners.create({
      actor: user,
      name: aPartnerName(),
      preset: ['GET /v1/users'],
      defaultNetworks: ['203.0.113.0/24'],
    });
    const createView = await openFromCommand(user, 'create', 'V0NETCREATE');
    const field = networksBlock(createView);
    expect(field).toMatchObject({
      type: 'input',
      optional: true,
      label: { text: 'Allowed networks' },
      element: { type: 'plain_text_input', multiline: true },
    });
    expect(field.element.initial_value).toBeUndefined();

    const partnerOption = (findElement(createView, 'create.partner').element.options as { value: string }[]).find(
      (o) => o.value === partner.id,
    );
    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'static_select', action_id: 'create.partner', block_id: 'partner', selected_option: partnerOption },
        { view: createView },
      ),
    );
    const withPartner = {
      ...((await slack.recorder.waitFor(mark, 'views.update')).body.view as View),
      id: 'V0NETCREATE',
    };
    expect(networksBlock(withPartner).element.initial_value).toBe('203.0.113.0/24');
    expect(JSON.stringify(networksBlock(withPartner).hint)).toContain('default networks');

    const state = initialState(withPartner);
    state.partner = { 'create.partner': { type: 'static_select', selected_option: partnerOption } };
    typeNetworks(withPartner, state, '203.0.113.0/24\n10.1.2.3/8');
    const refused = await submit(user, withPartner, state);
    expect(refused.response_action).toBe('errors');
    expect(refused.errors).toEqual({
      [networksBlock(withPartner).block_id]:
        'Line 2 (10.1.2.3/8) is not an allowed network: it has host bits set after the prefix: did you mean 10.0.0.0/8?',
    });
    typeNetworks(withPartner, state, '203.0.113.0/24\n\nnot-an-ip');
    expect((await submit(user, withPartner, state)).errors[networksBlock(withPartner).block_id]).toMatch(
      /^Line 3 \(not-an-ip\) is not an allowed network: not an IPv4 or IPv6 address/,
    );

    typeNetworks(withPartner, state, '203.0.113.0/24\n 2001:DB8::/32 ');
    const step2 = await submit(user, withPartner, state);
    expect(step2.view.callback_id).toBe('key.permissions');
    expect(JSON.stringify(step2.view)).toContain('*Usable from:* `203.0.113.0/24`, `2001:db8::/32`');
    // A picker click redraws the step from its metadata: the networks line stays.
    const readOnly = findElement(step2.view, 'picker.readonly');
    const clickMark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        {
          type: 'button',
          action_id: 'picker.readonly',
          block_id: readOnly.block.block_id as string,
          value: readOnly.element.value as string,
        },
        { view: { ...step2.view, id: 'V0NETCREATE' }, values: initialState(step2.view) },
      ),
    );
    const redrawn = (await slack.recorder.waitFor(clickMark, 'views.update')).body.view as View;
    expect(JSON.stringify(redrawn)).toContain('*Usable from:* `203.0.113.0/24`, `2001:db8::/32`');
    const saved = await submit(user, { ...step2.view, id: 'V0NETCREATE' }, initialState(step2.view));
    expect(saved.view.callback_id).toBe('key.show-once');
    const keyId = findElement(saved.view, 'key.stored').element.value as string;
    expect((await rt.keys.get(keyId)).allowedNetworks).toEqual(['203.0.113.0/24', '2001:db8::/32']);
  });
});

describe('allowed networks in the edit dialog', () => {
  it('shows the key’s networks, names a bad line, reviews the change and holds it for approval', async () => {
    const user = await admin();
    const approver = await userWith('approver');
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Office only',
      grants: ['GET /v1/users'],
      allowedNetworks: ['198.51.100.0/24', '2001:db8::/32'],
    });
    const view = await openFromCommand(user, `edit ${key.id}`, 'V0NETEDIT');
    expect(networksBlock(view)).toMatchObject({
      block_id: 'networks',
      element: { initial_value: '198.51.100.0/24\n2001:db8::/32' },
    });

    const state = initialState(view);
    typeNetworks(view, state, '198.51.100.0/24\n2001:db8::1/64');
    const refused = await submit(user, view, state);
    expect(refused.errors).toEqual({
      networks:
        'Line 2 (2001:db8::1/64) is not an allowed network: it has host bits set after the prefix: did you mean 2001:db8::/64?',
    });

    typeNetworks(view, state, '198.51.100.0/24\n192.0.2.7');
    const review = await submit(user, view, state);
    expect(review.response_action).toBe('push');
    const reviewText = JSON.stringify(review.view);
    expect(reviewText).toContain('*Allowed networks*');
    expect(reviewText).toContain(':heavy_plus_sign: `192.0.2.7/32`');
    expect(reviewText).toContain(':heavy_minus_sign: `2001:db8::/32`');
    expect(reviewText).toContain('works only from 2 networks');
    // A network change is a permission change: the review says it will wait for approval.
    expect((review.view.submit as { text: string }).text).not.toBe('Save');

    const held = await submit(user, { ...review.view, id: 'V0NETEDIT2' }, initialState(review.view));
    expect(held.response_action).toBe('update');
    expect((await rt.keys.get(key.id)).allowedNetworks).toEqual(['198.51.100.0/24', '2001:db8::/32']);
    const [request] = await rt.db.sql<{ id: string; payload: Record<string, unknown> }[]>`
      select id, payload from approval_requests where key_id = ${key.id}`;
    expect(request?.payload).toMatchObject({
      action: 'permissions',
      allowedNetworks: ['198.51.100.0/24', '192.0.2.7/32'],
      networksAdded: ['192.0.2.7/32'],
      networksRemoved: ['2001:db8::/32'],
    });
    const card = await slack.recorder.waitFor(0, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    expect(JSON.stringify(card.body)).toContain('Allowed networks:');

    await rt.approvals.decide(request!.id, { approver, decision: 'approve' });
    expect((await rt.keys.get(key.id)).allowedNetworks).toEqual(['198.51.100.0/24', '192.0.2.7/32']);

    // `show` names them.
    const showMark = slack.recorder.mark();
    await slack.command(user, `show ${key.id}`);
    const shown = await slack.recorder.waitFor(showMark, 'response_url');
    expect(shown.raw).toContain('*Usable from*\\n`198.51.100.0/24`, `192.0.2.7/32`');
  });

  it('refuses an edit whose networks are only written another way: nothing changed', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Unchanged',
      grants: ['GET /v1/users'],
      allowedNetworks: ['198.51.100.0/24'],
    });
    const view = await openFromCommand(user, `edit ${key.id}`, 'V0NETSAME');
    const state = initialState(view);
    // The same network written another way is no change.
    typeNetworks(view, state, '198.51.100.0/24\n198.51.100.0/24');
    expect((await submit(user, view, state)).errors.description).toContain('allowed networks');
  });
});

describe('default networks in the partner form', () => {
  it('saves one network per line for the partner’s new keys, naming a bad line', async () => {
    const user = await admin();
    const mark = slack.recorder.mark();
    await slack.command(user, 'partners');
    const list = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0NETPARTNERS' };
    const addMark = slack.recorder.mark();
    await slack.interaction(
      blockActions(user, { type: 'button', action_id: 'partner.add', block_id: 'b', value: 'add' }, { view: list }),
    );
    const form = {
      ...((await slack.recorder.waitFor(addMark, 'views.update')).body.view as View),
      id: 'V0NETPARTNERS',
    };
    expect((form as View).callback_id).toBe('partner.form');
    expect(networksBlock(form)).toMatchObject({ block_id: 'networks', label: { text: 'Allowed networks' } });

    const name = aPartnerName();
    const state = initialState(form);
    state.partner_name = { value: { type: 'plain_text_input', value: name } };
    typeNetworks(form, state, '10.0.0.0/8\n300.1.1.1');
    expect((await submit(user, form, state)).errors).toEqual({
      networks: expect.stringMatching(/^Line 2 \(300\.1\.1\.1\) is not an allowed network/),
    });
    typeNetworks(form, state, '10.0.0.0/8\n2001:db8:42::/48');
    const saved = await submit(user, form, state);
    expect(saved.response_action).toBe('update');
    const partner = await rt.partners.get(name);
    expect(partner.defaultNetworks).toEqual(['10.0.0.0/8', '2001:db8:42::/48']);
    const issued = await rt.keys.create({ actor: user, partner: name, grants: ['GET /v1/users'] });
    expect(issued.key.allowedNetworks).toEqual(['10.0.0.0/8', '2001:db8:42::/48']);
  });
});
