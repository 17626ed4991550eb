import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFingerprint } from '../../src/partners/fingerprint.ts';
import type { Partner } from '../../src/partners/types.ts';
import { aPartnerName } from '../fixtures/actors.ts';
import { createGnupgHome, type GnupgHome } from '../helpers/gnupg.ts';
import { scratchDataDir } from '../helpers/processes.ts';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { blockActions, findElement, initialState, viewSubmission } from '../helpers/slack-payloads.ts';
import { secretSightings, type SlackTraffic } from '../helpers/slack-traffic.ts';

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
type Option = Record<string, unknown> & { value: string };

const dataDir = scratchDataDir();
const { rt, slack, logs, admin } = slackSuite({
  logLevel: 'trace',
  logRuntime: true,
  env: { DATA_DIR: dataDir, DELIVERY_CONFIRM_HOURS: '72' },
});
let gpg: GnupgHome;
/** GnuPG-made partner keys (Curve25519 as `future-default` makes them), and refused kinds. */
const keys: Record<string, { fingerprint: string; armored: string }> = {};
/** Every secret that reached a partner encrypted: each may appear in no Slack body and no log line. */
const delivered: string[] = [];

beforeAll(async () => {
  gpg = await createGnupgHome();
  for (const name of ['main', 'second', 'upload']) {
    const fingerprint = await gpg.generate(
      `Partner ${name} <${name}@partner.example>`,
      'future-default',
      'default',
      'never',
    );
    keys[name] = { fingerprint, armored: await gpg.exportPublic(fingerprint) };
  }
  const signOnly = await gpg.generate('Sign Only <sign@partner.example>', 'ed25519', 'sign', 'never');
  keys.signOnly = { fingerprint: signOnly, armored: await gpg.exportPublic(signOnly) };
  keys.private = { fingerprint: keys.main!.fingerprint, armored: await gpg.exportSecret(keys.main!.fingerprint) };
  // The partner has imported the service's signing key, as the README tells them to, so gpg checks the signature.
  expect((await gpg.run(['--batch', '--import'], (await rt.serviceKey.get()).publicArmored)).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await gpg?.dispose();
  await rm(dataDir, { recursive: true, force: true });
});

let contactCounter = 0;
/** A partner with a contact and a confirmed GnuPG key: ready for encrypted delivery. */
async function readyPartner(
  user: string,
  keyName = 'main',
  name = aPartnerName(),
): Promise<{ partner: Partner; contact: string }> {
  const contact = `U0PARTNERC${++contactCounter}`;
  const partner = await rt.partners.create({ actor: user, name, contacts: [contact], preset: ['GET /v1/candidates'] });
  const key = keys[keyName]!;
  await rt.partnerPgp.setPgpKey(partner.id, key.armored, user, { confirmFingerprint: key.fingerprint });
  return { partner, contact };
}

const withId = (view: unknown, id: string): View => ({ ...(view as View), id });

/** command → pick the partner → "Manage Permissions" → Save; returns what the admin's dialog answered. */
async function createThroughSlack(user: string, partner: Partner, choose?: (options: Option[]) => Option | undefined) {
  let mark = slack.recorder.mark();
  await slack.command(user, 'create');
  const start = withId((await slack.recorder.waitFor(mark, 'views.open')).body.view, `V0C${partner.id}`);
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
  const picked = withId((await slack.recorder.waitFor(mark, 'views.update')).body.view, start.id!);
  const values = initialState(picked);
  values.partner = { 'create.partner': { type: 'static_select', selected_option: partnerOption } };
  const deliveryBlock = picked.blocks.find((b) => String(b.block_id).startsWith('delivery.'));
  if (deliveryBlock !== undefined && choose !== undefined) {
    const element = deliveryBlock.element as { options: Option[] };
    values[deliveryBlock.block_id as string] = {
      value: { type: 'radio_buttons', selected_option: choose(element.options) ?? null },
    };
  }
  const step2 = (await slack.interaction(viewSubmission(user, picked, values))).json() as { view: View };
  const saveMark = slack.recorder.mark();
  const saved = (await slack.interaction(viewSubmission(user, withId(step2.view, start.id!)))).json() as {
    response_action: string;
    view: View;
  };
  return { picked, permissions: step2.view, saved, saveMark, viewId: start.id! };
}

function armoredFrom(post: SlackTraffic): string {
  const match = /```(-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----)```/.exec(
    JSON.stringify(post.body.blocks).replace(/\\n/g, '\n'),
  );
  if (match === null) throw new Error('no armored message in the DM');
  return match[1] as string;
}

async function keyOfPartner(partnerId: string) {
  const { keys: found } = await rt.keys.list({ partnerId });
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('partner PGP keys from Slack', () => {
  async function openPartnerForm(user: string, partner: Partner): Promise<View> {
    let mark = slack.recorder.mark();
    await slack.command(user, 'partners');
    const list = withId((await slack.recorder.waitFor(mark, 'views.open')).body.view, 'V0PARTNERS');
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'partner.edit', block_id: 'b', value: partner.id },
        { view: list },
      ),
    );
    return withId((await slack.recorder.waitFor(mark, 'views.update')).body.view, 'V0PARTNERS');
  }

  async function openKeyDialog(user: string, form: View, actionId = 'partner.pgp'): Promise<View> {
    const mark = slack.recorder.mark();
    const button = findElement(form, actionId).element;
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: actionId, block_id: 'b', value: button.value as string },
        { view: form },
      ),
    );
    return withId((await slack.recorder.waitFor(mark, 'views.push')).body.view, 'V0PGP');
  }

  it('adds a pasted key, shows its fingerprint, user IDs, algorithm and expiry, and confirms only the fingerprint the partner read out', async () => {
    const user = await admin();
    const partner = await rt.partners.create({ actor: user, name: aPartnerName(), contacts: ['U0PGPCONTACT'] });
    const form = await openPartnerForm(user, partner);
    expect(JSON.stringify(form)).toContain('*PGP key:* none');

    const dialog = await openKeyDialog(user, form);
    expect(dialog.callback_id).toBe('partner.pgp');
    const state = initialState(dialog);
    // Pasted as Slack clients paste it: indented.
    state.pgp_armored = { value: { type: 'plain_text_input', value: keys.main!.armored.replace(/^/gm, '  ') } };
    const checked = (await slack.interaction(viewSubmission(user, dialog, state))).json() as {
      response_action: string;
      view: View;
    };
    expect(checked.response_action).toBe('update');
    expect(checked.view.callback_id).toBe('partner.pgp.confirm');
    const shown = JSON.stringify(checked.view);
    expect(shown).toContain(formatFingerprint(keys.main!.fingerprint));
    expect(shown).toContain('Partner main &lt;main@partner.example&gt;');
    expect(shown).toContain('EdDSA Ed25519');
    expect(shown).toMatch(/\*Expires\*\\nnever/);
    expect((await rt.partnerPgp.getPgpKey(partner.id))?.confirmedFingerprint).toBeNull();

    // A fingerprint that is not the key's is refused on the field, and nothing is confirmed.
    const confirmView = withId(checked.view, 'V0PGP');
    const wrong = initialState(confirmView);
    wrong.pgp_fingerprint = { value: { type: 'plain_text_input', value: keys.second!.fingerprint } };
    const refused = (await slack.interaction(viewSubmission(user, confirmView, wrong))).json() as {
      response_action: string;
      errors: Record<string, string>;
    };
    expect(refused).toMatchObject({
      response_action: 'errors',
      errors: { pgp_fingerprint: expect.stringContaining('does not match') },
    });
    const short = initialState(confirmView);
    short.pgp_fingerprint = { value: { type: 'plain_text_input', value: keys.main!.fingerprint.slice(-16) } };
    const shortAnswer = (await slack.interaction(viewSubmission(user, confirmView, short))).json() as {
      errors: Record<string, string>;
    };
    expect(shortAnswer.errors.pgp_fingerprint).toContain('short key id');
    expect((await rt.partnerPgp.getPgpKey(partner.id))?.confirmedFingerprint).toBeNull();

    // As read aloud: lower case, grouped.
    const right = initialState(confirmView);
    right.pgp_fingerprint = {
      value: { type: 'plain_text_input', value: formatFingerprint(keys.main!.fingerprint).toLowerCase() },
    };
    const confirmed = (await slack.interaction(viewSubmission(user, confirmView, right))).json() as {
      response_action: string;
      view: View;
    };
    expect(confirmed.response_action).toBe('update');
    expect(JSON.stringify(confirmed.view)).toContain('Fingerprint confirmed');
    expect(await rt.partnerPgp.getPgpKey(partner.id)).toMatchObject({
      fingerprint: keys.main!.fingerprint,
      confirmedFingerprint: keys.main!.fingerprint,
      confirmedBy: user,
    });
  });

  it('replaces the key with an uploaded .asc file, downloaded with the bot token, and needs confirmation again', async () => {
    const user = await admin();
    const { partner } = await readyPartner(user);
    const form = await openPartnerForm(user, partner);
    expect(JSON.stringify(form)).toContain(':white_check_mark: confirmed');
    const dialog = await openKeyDialog(user, form);
    const body = keys.upload!.armored;
    const download = nock('https://files.slack.com')
      .get('/files-pri/T0TEST-F0KEYFILE/download/partner.asc')
      .matchHeader('authorization', 'Bearer xoxb-test-token')
      .reply(200, body);
    const state = initialState(dialog);
    state.pgp_file = {
      value: {
        type: 'file_input',
        files: [
          {
            id: 'F0KEYFILE',
            name: 'partner.asc',
            size: body.length,
            url_private_download: 'https://files.slack.com/files-pri/T0TEST-F0KEYFILE/download/partner.asc',
          },
        ],
      },
    };
    const checked = (await slack.interaction(viewSubmission(user, dialog, state))).json() as { view: View };
    expect(download.isDone()).toBe(true);
    expect(checked.view.callback_id).toBe('partner.pgp.confirm');
    const shown = JSON.stringify(checked.view);
    expect(shown).toContain(formatFingerprint(keys.upload!.fingerprint));
    expect(shown).toContain(`This replaces \`${formatFingerprint(keys.main!.fingerprint)}\``);
    expect(await rt.partnerPgp.getPgpKey(partner.id)).toMatchObject({
      fingerprint: keys.upload!.fingerprint,
      confirmedFingerprint: null,
    });
    expect(await rt.partnerPgp.hasConfirmedKey(partner.id)).toBe(false);

    // The partner form now offers the confirmation step for the stored key.
    const again = await openPartnerForm(user, partner);
    expect(JSON.stringify(again)).toContain('*not confirmed*');
    const confirmDialog = await openKeyDialog(user, again, 'partner.pgp.confirm');
    expect(confirmDialog.callback_id).toBe('partner.pgp.confirm');
    const values = initialState(confirmDialog);
    values.pgp_fingerprint = { value: { type: 'plain_text_input', value: keys.upload!.fingerprint } };
    await slack.interaction(viewSubmission(user, confirmDialog, values));
    expect(await rt.partnerPgp.hasConfirmedKey(partner.id)).toBe(true);
  });

  it.each([
    [
      'a private key (the partner must treat it as compromised)',
      'pgp_armored',
      () => keys.private!.armored,
      /PRIVATE key.*compromised/,
    ],
    ['a sign-only key', 'pgp_armored', () => keys.signOnly!.armored, /encrypt/i],
    ['text that is not OpenPGP', 'pgp_armored', () => 'hello, here is my key: 0xDEADBEEF', /OpenPGP|armor|BEGIN PGP/i],
    ['an uploaded private key file', 'pgp_file', () => keys.private!.armored, /PRIVATE key/],
  ])('refuses %s with the reason on the field it came from', async (_name, field, text, reason) => {
    const user = await admin();
    const partner = await rt.partners.create({ actor: user, name: aPartnerName() });
    const form = await openPartnerForm(user, partner);
    const dialog = await openKeyDialog(user, form);
    const state = initialState(dialog);
    if (field === 'pgp_armored') {
      state.pgp_armored = { value: { type: 'plain_text_input', value: text() } };
    } else {
      nock('https://files.slack.com').get('/files-pri/T0TEST-F0BAD/download/key.asc').reply(200, text());
      state.pgp_file = {
        value: {
          type: 'file_input',
          files: [
            {
              id: 'F0BAD',
              name: 'key.asc',
              url_private_download: 'https://files.slack.com/files-pri/T0TEST-F0BAD/download/key.asc',
            },
          ],
        },
      };
    }
    const answer = (await slack.interaction(viewSubmission(user, dialog, state))).json() as {
      response_action: string;
      errors: Record<string, string>;
    };
    expect(answer.response_action).toBe('errors');
    expect(Object.keys(answer.errors)).toEqual([field]);
    expect(answer.errors[field]).toMatch(reason);
    expect(await rt.partnerPgp.getPgpKey(partner.id)).toBeUndefined();
  });

  it('never sends the bot token to a host that is not Slack’s', async () => {
    const user = await admin();
    const partner = await rt.partners.create({ actor: user, name: aPartnerName() });
    const dialog = await openKeyDialog(user, await openPartnerForm(user, partner));
    const state = initialState(dialog);
    state.pgp_file = {
      value: {
        type: 'file_input',
        files: [{ id: 'F0EVIL', name: 'k.asc', url_private_download: 'https://files.slack.com.evil.example/k.asc' }],
      },
    };
    const answer = (await slack.interaction(viewSubmission(user, dialog, state))).json() as {
      errors: Record<string, string>;
    };
    expect(answer.errors.pgp_file).toContain('not on Slack’s file servers');
  });
});

describe('creating a key with encrypted delivery', () => {
  it('offers "Send encrypted to" the contact by default, sends the DM and file, and the contact decrypts a working key with gpg', async () => {
    const user = await admin();
    const { partner, contact } = await readyPartner(user);
    const flow = await createThroughSlack(user, partner);
    const radio = findElement(flow.picked, 'value');
    const deliveryBlock = flow.picked.blocks.find((b) => String(b.block_id).startsWith('delivery.'))!;
    const choice = deliveryBlock.element as { options: Option[]; initial_option: Option };
    expect(choice.initial_option.value).toBe(`dm:${contact}`);
    expect(JSON.stringify(choice.options)).toContain(`Send encrypted to <@${contact}>`);
    expect(radio).toBeDefined();
    expect(JSON.stringify(flow.permissions)).toContain(`encrypted to <@${contact}>`);

    // The admin's dialog says where the key went and never shows it.
    expect(flow.saved.response_action).toBe('update');
    expect(flow.saved.view.callback_id).toBe('key.delivered');
    const result = await slack.recorder.waitFor(flow.saveMark, 'views.update', (t) => t.body.view_id === flow.viewId);
    const resultText = JSON.stringify(result.body.view);
    expect(resultText).toContain('API Key Sent');
    expect(resultText).toContain(`<@${contact}>`);
    expect(resultText).toContain(formatFingerprint(keys.main!.fingerprint));

    // DM opened with the contact; message posted there; the same ciphertext attached as a file in that DM.
    const opened = slack.recorder.since(flow.saveMark, 'conversations.open');
    expect(opened.map((t) => t.body.users)).toEqual([contact]);
    const post = slack.recorder
      .since(flow.saveMark, 'chat.postMessage')
      .find((t) => String(t.body.channel).startsWith('D'))!;
    expect(post.body.channel).toBe(`D${contact}`);
    expect(String(post.body.text)).toContain('gpg --decrypt');
    const posted = JSON.stringify(post.body.blocks);
    expect(posted).toContain(formatFingerprint(keys.main!.fingerprint));
    expect(posted).toContain((await rt.serviceKey.get()).formattedFingerprint);
    expect(posted).toContain('I have stored the API Key');
    const key = await keyOfPartner(partner.id);
    const [delivery] = await rt.store.deliveries.listForKey(key.id);
    expect(findElement(post.body as { blocks: unknown }, 'delivery.stored').element.value).toBe(delivery!.id);
    expect(delivery).toMatchObject({
      status: 'sent',
      contactSlackUserId: contact,
      recipientFingerprint: keys.main!.fingerprint,
      createdBy: user,
    });

    const upload = slack.recorder.since(flow.saveMark, 'files.getUploadURLExternal');
    expect(upload.map((t) => t.body.filename)).toEqual([`harvest-api-key-${key.id}.asc`, 'harvest-keys-service.asc']);
    const bytes = slack.recorder.since(flow.saveMark).filter((t) => t.kind === 'upload');
    expect(bytes).toHaveLength(2);
    const complete = slack.recorder.since(flow.saveMark, 'files.completeUploadExternal');
    expect(complete.map((t) => t.body.channel_id)).toEqual([`D${contact}`]);

    // What the partner does: gpg --decrypt the armored text from the DM.
    const armored = armoredFrom(post);
    expect(bytes[0]!.raw).toContain(armored.split('\n').at(-2));
    const decrypted = await gpg.run(['--batch', '--decrypt'], armored);
    expect(decrypted.code).toBe(0);
    expect(decrypted.status).toContain('DECRYPTION_OKAY');
    expect(decrypted.status).toMatch(/GOODSIG [0-9A-F]{16} harvest-keys key delivery/);
    const secret = decrypted.stdout;
    delivered.push(secret);
    slack.recorder.markDelivered(secret);
    expect(await rt.keys.check(secret, 'GET', '/v1/candidates')).toMatchObject({
      outcome: 'decided',
      key: { id: key.id },
      decision: { allowed: true },
    });

    // Nowhere in Slack, not even in a dialog: the plain secret is in no body and no log line.
    expect(secretSightings(slack.recorder.traffic, logs.text()).filter((s) => s.secret === secret)).toEqual([]);
    expect(
      slack.recorder
        .since(flow.saveMark)
        .some((t) => (t.body.view as { callback_id?: string } | undefined)?.callback_id === 'key.show-once'),
    ).toBe(false);
  });

  it('escapes partner and key text in the DM and its fallback, so a name cannot ping a channel', async () => {
    const user = await admin();
    const { partner, contact } = await readyPartner(user, 'main', `Acme <!channel> & Co ${Date.now()}`);
    const flow = await createThroughSlack(user, partner);
    await slack.recorder.waitFor(flow.saveMark, 'views.update', (t) => t.body.view_id === flow.viewId);
    const post = slack.recorder.since(flow.saveMark, 'chat.postMessage').find((t) => t.body.channel === `D${contact}`)!;
    expect(post.raw).not.toContain('<!channel>');
    expect(String(post.body.text)).toContain('Acme &lt;!channel&gt; &amp; Co');
    expect(JSON.stringify(post.body.blocks)).toContain('Acme &lt;!channel&gt; &amp; Co');
    const secret = (await gpg.run(['--batch', '--decrypt'], armoredFrom(post))).stdout;
    delivered.push(secret);
    slack.recorder.markDelivered(secret);
  });

  it('still shows the key once when the admin chooses that instead', async () => {
    const user = await admin();
    const { partner } = await readyPartner(user);
    const flow = await createThroughSlack(user, partner, (options) => options.find((o) => o.value === 'show'));
    expect(flow.saved.view.callback_id).toBe('key.show-once');
    expect(slack.recorder.since(flow.saveMark, 'conversations.open')).toEqual([]);
  });

  it('says why delivery is not offered for a partner whose key is not confirmed', async () => {
    const user = await admin();
    const partner = await rt.partners.create({
      actor: user,
      name: aPartnerName(),
      contacts: ['U0UNCONF1'],
      preset: ['GET /v1/candidates'],
    });
    await rt.partnerPgp.setPgpKey(partner.id, keys.second!.armored, user);
    const flow = await createThroughSlack(user, partner);
    expect(flow.picked.blocks.some((b) => String(b.block_id).startsWith('delivery.'))).toBe(false);
    expect(JSON.stringify(flow.picked)).toContain('Encrypted delivery is not available');
    expect(JSON.stringify(flow.picked)).toContain('not confirmed');
    expect(flow.saved.view.callback_id).toBe('key.show-once');
  });

  it('replaces a key and sends the new one encrypted; the old key stops working', async () => {
    const user = await admin();
    const { partner, contact } = await readyPartner(user);
    const old = await rt.keys.create({ actor: user, partner: partner.id });
    let mark = slack.recorder.mark();
    await slack.command(user, `replace ${old.key.id}`);
    const dialog = withId((await slack.recorder.waitFor(mark, 'views.open')).body.view, 'V0REPLACE');
    const choice = dialog.blocks.find((b) => b.block_id === 'delivery.0')!.element as { initial_option: Option };
    expect(choice.initial_option.value).toBe(`dm:${contact}`);
    mark = slack.recorder.mark();
    const answer = (await slack.interaction(viewSubmission(user, dialog))).json() as { view: View };
    expect(answer.view.callback_id).toBe('key.delivered');
    const result = await slack.recorder.waitFor(mark, 'views.update', (t) => t.body.view_id === 'V0REPLACE');
    expect(JSON.stringify(result.body.view)).toContain(`It replaces *${old.key.description}* \`…${old.key.hint}\``);
    const post = slack.recorder.since(mark, 'chat.postMessage').find((t) => t.body.channel === `D${contact}`)!;
    const decrypted = await gpg.run(['--batch', '--decrypt'], armoredFrom(post));
    const secret = decrypted.stdout;
    delivered.push(secret);
    slack.recorder.markDelivered(secret);
    expect(await rt.keys.check(secret, 'GET', '/v1/candidates')).toMatchObject({ decision: { allowed: true } });
    expect(await rt.keys.check(old.secret, 'GET', '/v1/candidates')).toMatchObject({ decision: { allowed: false } });
  });
});

describe('a partner who never imported the service key', () => {
  it('imports it from the DM’s attached file with the command the DM gives, and gpg --decrypt prints a good signature (exit 0)', async () => {
    const user = await admin();
    const { partner, contact } = await readyPartner(user);
    const flow = await createThroughSlack(user, partner);
    await slack.recorder.waitFor(flow.saveMark, 'files.completeUploadExternal');
    const post = slack.recorder.since(flow.saveMark, 'chat.postMessage').find((t) => t.body.channel === `D${contact}`)!;
    const key = await keyOfPartner(partner.id);
    const messageFile = `harvest-api-key-${key.id}.asc`;
    const service = await rt.serviceKey.get();

    // The DM names both files, the two commands, and the signing fingerprint to check.
    const shown = JSON.stringify(post.body.blocks).replace(/\\n/g, '\n');
    expect(shown).toContain(`gpg --import harvest-keys-service.asc\ngpg --decrypt ${messageFile}`);
    expect(shown).toContain(service.formattedFingerprint);
    expect(shown).toContain('Good signature');
    expect(String(post.body.text)).toContain('gpg --import harvest-keys-service.asc');

    // The files as the contact downloads them: one upload per file, in the order they were announced.
    const names = slack.recorder.since(flow.saveMark, 'files.getUploadURLExternal').map((t) => t.body.filename);
    const bytes = slack.recorder.since(flow.saveMark).filter((t) => t.kind === 'upload');
    // Each upload is a multipart body: the file is its armored block.
    const file = (name: string) =>
      /-----BEGIN PGP [A-Z ]+-----[\s\S]+?-----END PGP [A-Z ]+-----\n/.exec(
        bytes[names.indexOf(name)]?.raw ?? '',
      )?.[0] ?? '';
    const serviceFile = file('harvest-keys-service.asc');
    const encryptedFile = file(messageFile);
    expect(serviceFile).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect(encryptedFile).toMatch(/^-----BEGIN PGP MESSAGE-----/);

    // A fresh GnuPG home holding only the partner's own key: what the issue saw, then what the DM fixes.
    const partnerHome = await createGnupgHome();
    try {
      expect((await partnerHome.run(['--batch', '--import'], keys.private!.armored)).code).toBe(0);
      const before = await partnerHome.run(['--batch', '--decrypt'], encryptedFile);
      expect(before.code).toBe(2);
      expect(before.stderr).toContain('No public key');

      const imported = await partnerHome.run(['--batch', '--import'], serviceFile);
      expect(imported.code).toBe(0);
      expect(imported.status).toContain(`IMPORT_OK 1 ${service.fingerprint}`);
      const decrypted = await partnerHome.run(['--batch', '--decrypt'], encryptedFile);
      expect(decrypted.code).toBe(0);
      expect(decrypted.stderr).toContain('Good signature from "harvest-keys key delivery"');
      expect(decrypted.status).toMatch(new RegExp(`VALIDSIG [0-9A-F]{40} .* ${service.fingerprint}\\n`));
      delivered.push(decrypted.stdout);
      slack.recorder.markDelivered(decrypted.stdout);
      expect(await rt.keys.check(decrypted.stdout, 'GET', '/v1/candidates')).toMatchObject({
        outcome: 'decided',
        key: { id: key.id },
      });
    } finally {
      await partnerHome.dispose();
    }
  });
});

describe('when the DM cannot be delivered', () => {
  it.each([
    ['conversations.open', { error: 'invalid_user_combination' }, 'invalid_user_combination', /shared channel/],
    ['conversations.open', { error: 'user_not_found' }, 'user_not_found', /update the partner’s contacts/],
    ['chat.postMessage', { status: 429, headers: { 'retry-after': '0' } }, 'ratelimited', /rate-limiting/],
  ] as const)(
    '%s failing with %j revokes the key, tells the admin why, and sends nothing in plain text',
    async (method, failure, code, hint) => {
      const user = await admin();
      const { partner, contact } = await readyPartner(user);
      slack.recorder.failNext(method, failure);
      const flow = await createThroughSlack(user, partner);
      expect(flow.saved.view.callback_id).toBe('key.delivered');
      const result = await slack.recorder.waitFor(flow.saveMark, 'views.update', (t) => t.body.view_id === flow.viewId);
      const text = JSON.stringify(result.body.view);
      expect(text).toContain('API Key Not Sent');
      expect(text).toContain(code);
      expect(text).toContain(`<@${contact}>`);
      expect(text).toContain('The key was revoked');
      expect(text).toMatch(hint);

      const key = await keyOfPartner(partner.id);
      expect(key.status).toBe('revoked');
      const [delivery] = await rt.store.deliveries.listForKey(key.id);
      expect(delivery).toMatchObject({ status: 'failed', errorCode: code });
      // No plain-text fallback: no show-once view, no other message, no file.
      const after = slack.recorder.since(flow.saveMark);
      expect(
        after.some((t) => (t.body.view as { callback_id?: string } | undefined)?.callback_id === 'key.show-once'),
      ).toBe(false);
      expect(after.filter((t) => t.kind === 'upload')).toEqual([]);
      expect(
        after.filter(
          (t) =>
            t.name === 'chat.postMessage' &&
            String(t.body.channel).startsWith('D') &&
            t.raw.includes('BEGIN PGP MESSAGE') &&
            method === 'conversations.open',
        ),
      ).toEqual([]);
      const audit = await rt.db.sql<
        { action: string }[]
      >`select action from audit_events where key_id = ${key.id} order by id`;
      expect(audit.map((a) => a.action)).toEqual(
        expect.arrayContaining(['key.created', 'key.revoked', 'key.delivery_failed']),
      );
    },
  );

  it('a failed replace hand-over revokes the new key, frees the old one to be replaced again and says so', async () => {
    const user = await admin();
    const { partner } = await readyPartner(user);
    const old = await rt.keys.create({ actor: user, partner: partner.id });
    let mark = slack.recorder.mark();
    await slack.command(user, `replace ${old.key.id}`);
    const dialog = withId((await slack.recorder.waitFor(mark, 'views.open')).body.view, 'V0REPLFAIL');
    slack.recorder.failNext('conversations.open', { error: 'invalid_user_combination' });
    mark = slack.recorder.mark();
    await slack.interaction(viewSubmission(user, dialog));
    const result = await slack.recorder.waitFor(mark, 'views.update', (t) => t.body.view_id === 'V0REPLFAIL');
    expect(result.raw).toContain('API Key Not Sent');
    expect(result.raw).toContain(`The old key *${old.key.description}* \`…${old.key.hint}\``);
    expect(result.raw).toContain(
      'stays revoked (it was ended at once) and is no longer replaced by this failed key: to try again, replace it again.',
    );
    const { keys: all } = await rt.keys.list({ partnerId: partner.id });
    expect(all.map((k) => k.status)).toEqual(['revoked', 'revoked']);
    // Replace is offered on the old key again, and the service accepts it.
    expect((await rt.keys.get(old.key.id)).replacedBy).toBeNull();
    const retry = await rt.keys.replace(old.key.id, { actor: user });
    expect((await rt.keys.get(old.key.id)).replacedBy).toBe(retry.key.id);
  });

  it('offers Replace, never Re-enable, on a key whose hand-over failed; replacing it hands a new key over', async () => {
    const user = await admin();
    const { partner, contact } = await readyPartner(user);
    slack.recorder.failNext('conversations.open', { error: 'user_not_found' });
    const flow = await createThroughSlack(user, partner);
    await slack.recorder.waitFor(flow.saveMark, 'views.update', (t) => t.body.view_id === flow.viewId);
    const failed = await keyOfPartner(partner.id);
    expect(failed.status).toBe('revoked');

    let mark = slack.recorder.mark();
    await slack.command(user, `list ${failed.id}`);
    const list = await slack.recorder.waitFor(mark, 'response_url');
    expect(list.raw).toContain(`*${failed.description}* \`…${failed.hint}\``);
    expect(list.raw).toContain('its encrypted hand-over failed, nobody received it');
    const row = (list.body.blocks as Record<string, unknown>[]).find(
      (b) => b.accessory !== undefined && JSON.stringify(b).includes(failed.id),
    )!;
    const menu = (row.accessory as { options: { text: { text: string } }[] }).options.map((o) => o.text.text);
    expect(menu).toEqual(['View', 'Edit', 'Replace', 'History']);

    // Typed anyway: the answer says why and what to do instead.
    mark = slack.recorder.mark();
    await slack.command(user, `enable ${failed.id}`);
    const notice = (await slack.recorder.waitFor(mark, 'views.open')).body.view as View;
    expect(notice.title).toMatchObject({ text: 'Replace Instead' });
    expect(JSON.stringify(notice)).toContain('its encrypted hand-over failed, so nobody has it');
    expect((await rt.keys.get(failed.id)).status).toBe('revoked');

    mark = slack.recorder.mark();
    await slack.command(user, `replace ${failed.id}`);
    const dialog = withId((await slack.recorder.waitFor(mark, 'views.open')).body.view, 'V0REPLFAILED');
    // Nothing left to stop: no grace period to choose, no warning about breaking an integration.
    expect(dialog.blocks.some((b) => b.block_id === 'grace')).toBe(false);
    expect(JSON.stringify(dialog)).toContain('The old key is already revoked and stays so');
    expect(JSON.stringify(dialog)).not.toContain('revoked when the grace period ends');
    mark = slack.recorder.mark();
    await slack.interaction(viewSubmission(user, dialog));
    const sent = await slack.recorder.waitFor(mark, 'views.update', (t) => t.body.view_id === 'V0REPLFAILED');
    expect(sent.raw).toContain('API Key Sent');
    expect(JSON.stringify(sent.body.view)).toContain(`It replaces *${failed.description}* \`…${failed.hint}\``);
    const post = slack.recorder.since(mark, 'chat.postMessage').find((t) => t.body.channel === `D${contact}`)!;
    const secret = (await gpg.run(['--batch', '--decrypt'], armoredFrom(post))).stdout;
    delivered.push(secret);
    slack.recorder.markDelivered(secret);
    expect(await rt.keys.check(secret, 'GET', '/v1/candidates')).toMatchObject({ decision: { allowed: true } });
  });

  it('refuses before creating a key when the contact is no longer a contact of the partner', async () => {
    const user = await admin();
    const { partner, contact } = await readyPartner(user);
    let mark = slack.recorder.mark();
    await slack.command(user, 'create');
    const start = withId((await slack.recorder.waitFor(mark, 'views.open')).body.view, 'V0GONE');
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
    const picked = withId((await slack.recorder.waitFor(mark, 'views.update')).body.view, 'V0GONE');
    await rt.partners.edit(partner.id, { actor: user, contacts: [] });
    const values = initialState(picked);
    values.partner = { 'create.partner': { type: 'static_select', selected_option: partnerOption } };
    const answer = (await slack.interaction(viewSubmission(user, picked, values))).json() as {
      response_action: string;
      errors: Record<string, string>;
    };
    expect(answer.response_action).toBe('errors');
    expect(Object.keys(answer.errors)[0]).toMatch(/^delivery\./);
    expect((await rt.keys.list({ partnerId: partner.id })).total).toBe(0);
    expect(contact).toMatch(/^U0PARTNERC/);
  });
});

describe('the partner’s "I have stored the API Key"', () => {
  it('is refused politely for anyone but the contact, and for the contact updates the message and tells the admin', async () => {
    const user = await admin();
    const { partner, contact } = await readyPartner(user);
    const flow = await createThroughSlack(user, partner);
    await slack.recorder.waitFor(flow.saveMark, 'views.update', (t) => t.body.view_id === flow.viewId);
    const post = slack.recorder.since(flow.saveMark, 'chat.postMessage').find((t) => t.body.channel === `D${contact}`)!;
    const secret = (await gpg.run(['--batch', '--decrypt'], armoredFrom(post))).stdout;
    delivered.push(secret);
    slack.recorder.markDelivered(secret);
    const button = findElement(post.body as { blocks: unknown }, 'delivery.stored').element;
    const message = { type: 'message', ts: '1700000000.000100', text: post.body.text, blocks: post.body.blocks };
    const click = (who: string) =>
      slack.interaction(
        blockActions(
          who,
          { type: 'button', action_id: 'delivery.stored', block_id: 'delivery_actions', value: button.value as string },
          {
            message,
            responseUrl: `https://hooks.slack.com/actions/T0TEST/${who}/r`,
          },
        ),
      );
    const key = await keyOfPartner(partner.id);

    // Someone else (here: even an admin) cannot confirm it.
    let mark = slack.recorder.mark();
    expect((await click(user)).status).toBe(200);
    const refusal = await slack.recorder.waitFor(mark, 'response_url');
    expect(refusal.raw).toContain('only the person this API key was sent to');
    expect((await rt.store.deliveries.listForKey(key.id))[0]!.status).toBe('sent');

    // The contact (no role at all) confirms it.
    mark = slack.recorder.mark();
    expect((await click(contact)).status).toBe(200);
    const updated = await slack.recorder.waitFor(mark, 'chat.update');
    expect(updated.body).toMatchObject({ channel: 'C0GENERAL', ts: '1700000000.000100' });
    expect(updated.raw).toContain('You confirmed you stored this API key');
    expect(updated.raw).not.toContain('delivery.stored');
    const told = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === user);
    expect(told.raw).toContain(`<@${contact}> confirmed they stored the API key`);
    expect((await rt.store.deliveries.listForKey(key.id))[0]).toMatchObject({
      status: 'confirmed',
      confirmedBy: contact,
    });

    // The same click from a Slack Connect contact of another organisation reaches the handler too (no role, other team).
    const external = blockActions(
      contact,
      { type: 'button', action_id: 'delivery.stored', block_id: 'delivery_actions', value: button.value as string },
      {
        message,
        responseUrl: `https://hooks.slack.com/actions/T0TEST/${contact}/ext`,
      },
    );
    (external.user as { team_id: string }).team_id = 'T0PARTNERORG';
    mark = slack.recorder.mark();
    expect((await slack.interaction(external)).status).toBe(200);
    await slack.recorder.waitFor(mark, 'chat.update');

    // A second click changes nothing and tells nobody again.
    mark = slack.recorder.mark();
    await click(contact);
    await slack.recorder.waitFor(mark, 'chat.update');
    expect(slack.recorder.since(mark, 'chat.postMessage')).toEqual([]);
  });
});

describe('App Home and pubkey', () => {
  it('flags on the admin’s App Home a delivered key the partner has not confirmed within DELIVERY_CONFIRM_HOURS', async () => {
    const user = await admin();
    const { partner } = await readyPartner(user);
    const flow = await createThroughSlack(user, partner);
    await slack.recorder.waitFor(flow.saveMark, 'views.update', (t) => t.body.view_id === flow.viewId);
    const key = await keyOfPartner(partner.id);
    await slack.recorder.settled();
    let mark = slack.recorder.mark();
    await slack.event({ type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '1.1' });
    let home = await slack.recorder.waitFor(mark, 'views.publish', (t) => t.body.user_id === user);
    expect(home.raw).not.toContain('not confirmed by the partner');

    await rt.db.sql`update deliveries set sent_at = now() - interval '73 hours' where key_id = ${key.id}`;
    await slack.recorder.settled();
    mark = slack.recorder.mark();
    await slack.event({ type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '1.2' });
    home = await slack.recorder.waitFor(mark, 'views.publish', (t) => t.body.user_id === user);
    expect(home.raw).toContain('not confirmed by the partner');
    expect(home.raw).toContain('within 72 hours');
    expect(home.raw).toContain(`• *${key.description}* \`…${key.hint}\` sent to`);
  });

  it('shows anyone the service’s public key, its fingerprint and where it is served', async () => {
    const service = await rt.serviceKey.get();
    const mark = slack.recorder.mark();
    await slack.command('U0NOROLEPUB', 'pubkey');
    const answer = await slack.recorder.waitFor(mark, 'response_url');
    expect(answer.body.response_type).toBe('ephemeral');
    expect(answer.raw).toContain(service.formattedFingerprint);
    expect(answer.raw).toContain('/pgp/service.asc');
    const armored = /```(-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]+?-----END PGP PUBLIC KEY BLOCK-----)```/.exec(
      JSON.stringify(answer.body.blocks).replace(/\\n/g, '\n'),
    )?.[1];
    const imported = await gpg.run(['--batch', '--import'], `${armored}\n`);
    expect(imported.status).toContain(`IMPORT_OK`);
    expect(imported.status).toContain(service.fingerprint);
  });
});

describe('what left the app', () => {
  it('acknowledges every button, menu and dispatching input it drew (the partner’s button for users without a role too)', async () => {
    expect(await unacknowledgedActions(slack)).toEqual([]);
  });

  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });

  it('never put a delivered secret in any Slack body or log line', () => {
    expect(delivered.length).toBeGreaterThanOrEqual(3);
    const sightings = secretSightings(slack.recorder.traffic, logs.text());
    expect(sightings.filter((s) => delivered.includes(s.secret))).toEqual([]);
    expect(sightings.filter((s) => s.where !== 'show-once')).toEqual([]);
  });
});

describe('the traffic check itself', () => {
  it('counts a delivered secret as a leak even inside a show-once view', () => {
    const secret = `hk_${'A'.repeat(38)}`;
    const traffic: SlackTraffic[] = [
      { kind: 'ack', name: 'view_submission', body: { view: { callback_id: 'key.show-once' } }, raw: secret },
    ];
    expect(secretSightings(traffic, '').map((s) => s.where)).toEqual(['show-once']);
    const hash = createHash('sha256').update(secret).digest('hex');
    const marked: SlackTraffic[] = [...traffic, { kind: 'delivered', name: hash, body: {}, raw: '' }];
    expect(secretSightings(marked, `log ${secret}`).map((s) => s.where)).toEqual([
      'ack view_submission (show-once of a delivered key)',
      'log (delivered key)',
    ]);
  });
});
