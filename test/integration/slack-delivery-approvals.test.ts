import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aPartnerName, anAdmin } from '../fixtures/actors.ts';
import { createGnupgHome, type GnupgHome } from '../helpers/gnupg.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { type SlackHarness, startSlackHarness } from '../helpers/slack-harness.ts';
import { blockActions, findElement, initialState, viewSubmission } from '../helpers/slack-payloads.ts';

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
type Option = Record<string, unknown> & { value: string };

const CHANNEL = 'C0APPROVALS';
const logs = captureLogs('info');
let rt: TestRuntime;
let slack: SlackHarness;
let gpg: GnupgHome;
let armored: string;
let fingerprint: string;

beforeAll(async () => {
  [rt, gpg] = await Promise.all([
    createTestRuntime({
      logger: logs.logger,
      env: { APPROVAL_REQUIRED_FOR: 'create,replace', APPROVALS_CHANNEL: CHANNEL },
    }),
    createGnupgHome(),
  ]);
  await rt.roles.grant('U0APPROVERD', 'approver', 'test');
  slack = await startSlackHarness(rt, { logger: logs.logger });
  fingerprint = await gpg.generate('Held Partner <held@partner.example>', 'future-default', 'default', 'never');
  armored = await gpg.exportPublic(fingerprint);
}, 120_000);

afterAll(async () => {
  await slack?.close();
  await Promise.all([rt?.dispose(), gpg?.dispose()]);
});

async function readyPartner() {
  const user = anAdmin();
  await rt.roles.grant(user, 'admin', 'test');
  const contact = 'U0HELDCONTACT';
  const partner = await rt.partners.create({
    actor: user,
    name: aPartnerName(),
    contacts: [contact],
    preset: ['GET /v1/users'],
  });
  await rt.partnerPgp.setPgpKey(partner.id, armored, user, { confirmFingerprint: fingerprint });
  return { user, partner, contact };
}

describe('encrypted delivery under approvals', () => {
  it('a held create carries the chosen contact, the card names it, and no key exists or is sent before approval', async () => {
    const { user, partner, contact } = await readyPartner();
    let mark = slack.recorder.mark();
    await slack.command(user, 'create');
    const start = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0HELD' };
    const partnerOption = (findElement(start, 'create.partner').element.options as Option[]).find(
      (o) => o.value === partner.id,
    )!;
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'static_select', action_id: 'create.partner', block_id: 'partner', selected_option: partnerOption },
        { view: start },
      ),
    );
    const picked = { ...((await slack.recorder.waitFor(mark, 'views.update')).body.view as View), id: 'V0HELD' };
    const values = initialState(picked);
    values.partner = { 'create.partner': { type: 'static_select', selected_option: partnerOption } };
    const step2 = (await slack.interaction(viewSubmission(user, picked, values))).json() as { view: View };
    mark = slack.recorder.mark();
    const held = (await slack.interaction(viewSubmission(user, { ...step2.view, id: 'V0HELD' }))).json() as {
      view: View;
    };
    expect(JSON.stringify(held.view)).toContain('Sent for Approval');

    const card = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    expect(card.raw).toContain(`sent PGP-encrypted to <@${contact}>`);
    const [request] = await rt.approvals.listPending();
    expect(request?.payload).toMatchObject({
      action: 'create',
      partnerId: partner.id,
      delivery: { contactSlackUserId: contact },
    });
    expect((await rt.keys.list({ partnerId: partner.id })).total).toBe(0);
    expect(slack.recorder.since(mark, 'conversations.open')).toEqual([]);
  });

  it('a held replace carries the chosen contact', async () => {
    const { user, partner, contact } = await readyPartner();
    const old = await rt.keys.create({ actor: user, partner: partner.id });
    const mark = slack.recorder.mark();
    await slack.command(user, `replace ${old.key.id}`);
    const dialog = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0HELDR' };
    await slack.interaction(viewSubmission(user, dialog));
    const request = (await rt.approvals.listPending()).find((r) => r.keyId === old.key.id);
    expect(request?.payload).toMatchObject({ action: 'replace', delivery: { contactSlackUserId: contact } });
    expect((await rt.keys.get(old.key.id)).status).toBe('active');
  });

  it('on approval hands the key straight to the partner, encrypted: it decrypts with gpg and no person sees it', async () => {
    const { user, partner, contact } = await readyPartner();
    const request = await rt.approvals.requestCreate({
      actor: user,
      partner: partner.id,
      delivery: { contactSlackUserId: contact },
    });
    const card = {
      text: 'card',
      blocks: [
        {
          type: 'actions',
          block_id: `approval.${request.id}`,
          elements: [
            {
              type: 'button',
              action_id: 'approval.approve',
              value: request.id,
              text: { type: 'plain_text', text: 'Approve' },
            },
          ],
        },
      ],
    };
    const mark = slack.recorder.mark();
    const click = blockActions(
      'U0APPROVERD',
      { type: 'button', action_id: 'approval.approve', block_id: `approval.${request.id}`, value: request.id },
      {
        message: { ...card, ts: '1700000000.000300' },
        responseUrl: 'https://hooks.slack.com/actions/T0TEST/3/approve',
      },
    );
    expect((await slack.interaction({ ...click, channel: { id: CHANNEL, name: 'approvals' } })).status).toBe(200);

    const told = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === user, 10_000);
    expect(String(told.body.text)).toMatch(/was approved\. .*Sent .* encrypted to <@U0HELDCONTACT>/);
    expect(told.raw).not.toContain('approval.reveal');
    const post = slack.recorder.since(mark, 'chat.postMessage').find((t) => t.body.channel === `D${contact}`)!;
    const armoredText = /```(-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----)```/.exec(
      JSON.stringify(post.body.blocks).replace(/\\n/g, '\n'),
    )![1]!;
    expect((await gpg.run(['--batch', '--import'], (await rt.serviceKey.get()).publicArmored)).code).toBe(0);
    const decrypted = await gpg.run(['--batch', '--decrypt'], `${armoredText}\n`);
    expect(decrypted.code).toBe(0);
    expect(decrypted.status).toContain('GOODSIG');
    slack.recorder.markDelivered(decrypted.stdout);
    const [key] = (await rt.keys.list({ partnerId: partner.id })).keys;
    expect(await rt.keys.check(decrypted.stdout, 'GET', '/v1/users')).toMatchObject({
      outcome: 'decided',
      key: { id: key!.id },
      decision: { allowed: true },
    });
    expect(
      slack.recorder
        .since(mark)
        .some((t) => (t.body.view as { callback_id?: string } | undefined)?.callback_id === 'key.show-once'),
    ).toBe(false);
    expect(slack.recorder.traffic.some((t) => t.raw.includes(decrypted.stdout))).toBe(false);
  });

  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });
});
