import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFingerprint } from '../../src/partners/fingerprint.ts';
import type { Partner } from '../../src/partners/types.ts';
import { aPartnerName } from '../fixtures/actors.ts';
import { createGnupgHome, type GnupgHome } from '../helpers/gnupg.ts';
import { scratchDataDir } from '../helpers/processes.ts';
import { blockActions, findElement, initialState, viewSubmission } from '../helpers/slack-payloads.ts';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { slackSuite } from '../helpers/slack-suite.ts';

/**
 * Issue 12 item 7 in the partners dialog: each partner's PGP key status (none / unconfirmed / confirmed, expiry), the
 * partner form redrawn when its key is stored or confirmed in the dialog pushed over it, and archiving a partner.
 */
type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };

const dataDir = scratchDataDir();
const { rt, slack, admin, userWith } = slackSuite({ env: { DATA_DIR: dataDir } });
let gpg: GnupgHome;
const keys: Record<string, { fingerprint: string; armored: string }> = {};

beforeAll(async () => {
  gpg = await createGnupgHome();
  for (const [name, expire] of [
    ['lasting', 'never'],
    ['expiring', '2y'],
  ] as const) {
    const fingerprint = await gpg.generate(
      `Partner ${name} <${name}@partner.example>`,
      'future-default',
      'default',
      expire,
    );
    keys[name] = { fingerprint, armored: await gpg.exportPublic(fingerprint) };
  }
}, 120_000);

afterAll(async () => {
  await gpg?.dispose();
  await rm(dataDir, { recursive: true, force: true });
});

const withId = (view: unknown, id: string): View => ({ ...(view as View), id });

/** `/harvest-keys partners`: the list as the person sees it. */
async function openPartners(user: string): Promise<View> {
  const mark = slack.recorder.mark();
  await slack.command(user, 'partners');
  return withId((await slack.recorder.waitFor(mark, 'views.open')).body.view, 'V0PARTNERS');
}

/** The row (section) of one partner in the list. */
function rowOf(list: View, partner: Partner): string {
  const row = list.blocks.find(
    (b) => (b.accessory as { value?: string } | undefined)?.value === partner.id && b.type === 'section',
  );
  if (row === undefined) throw new Error(`no row for ${partner.name}`);
  return (row.text as { text: string }).text;
}

async function openForm(user: string, list: View, partner: Partner): Promise<View> {
  const mark = slack.recorder.mark();
  await slack.interaction(
    blockActions(user, { type: 'button', action_id: 'partner.edit', block_id: 'b', value: partner.id }, { view: list }),
  );
  return withId((await slack.recorder.waitFor(mark, 'views.update')).body.view, list.id as string);
}

describe('the partners list', () => {
  it('shows each partner’s PGP key: none, not confirmed (with its expiry) or confirmed', async () => {
    const user = await admin();
    const none = await rt.partners.create({ actor: user, name: aPartnerName() });
    const unconfirmed = await rt.partners.create({ actor: user, name: aPartnerName() });
    const confirmed = await rt.partners.create({ actor: user, name: aPartnerName() });
    await rt.partnerPgp.setPgpKey(unconfirmed.id, keys.expiring!.armored, user);
    await rt.partnerPgp.setPgpKey(confirmed.id, keys.lasting!.armored, user, {
      confirmFingerprint: keys.lasting!.fingerprint,
    });

    const list = await openPartners(user);
    expect(rowOf(list, none)).toContain('PGP key: none');
    expect(rowOf(list, unconfirmed)).toMatch(/PGP key: :warning: not confirmed, expires <!date\^\d+\^/);
    expect(rowOf(list, confirmed)).toContain('PGP key: :white_check_mark: confirmed');
    expect(rowOf(list, confirmed)).not.toContain('expires');
  });
});

describe('the partner form under a PGP dialog', () => {
  it('is redrawn with the stored key, then the confirmed one, keeping what was typed in it', async () => {
    const user = await admin();
    const partner = await rt.partners.create({ actor: user, name: aPartnerName(), contacts: ['U0FORMCONTACT'] });
    const list = await openPartners(user);
    const form = await openForm(user, list, partner);
    expect(JSON.stringify(form)).toContain('*PGP key:* none');

    // The admin typed a new name (not saved yet), then pressed "Add PGP key".
    const typed = initialState(form);
    typed.partner_name = { value: { type: 'plain_text_input', value: `${partner.name} renamed` } };
    let mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'partner.pgp', block_id: 'b', value: partner.id },
        { view: form, values: typed },
      ),
    );
    const dialog = withId((await slack.recorder.waitFor(mark, 'views.push')).body.view, 'V0PGP');

    const state = initialState(dialog);
    state.pgp_armored = { value: { type: 'plain_text_input', value: keys.lasting!.armored } };
    mark = slack.recorder.mark();
    const checked = (await slack.interaction(viewSubmission(user, dialog, state))).json() as { view: View };
    expect(checked.view.callback_id).toBe('partner.pgp.confirm');
    const stored = await slack.recorder.waitFor(mark, 'views.update', (t) => t.body.view_id === form.id);
    const storedForm = stored.body.view as View;
    expect(storedForm.callback_id).toBe('partner.form');
    expect(JSON.stringify(storedForm)).toContain(formatFingerprint(keys.lasting!.fingerprint));
    expect(JSON.stringify(storedForm)).toContain('*not confirmed*');
    expect(findElement(storedForm, 'partner.pgp.confirm').element.value).toBe(partner.id);
    expect(initialState(storedForm).partner_name).toEqual({
      value: { type: 'plain_text_input', value: `${partner.name} renamed` },
    });

    // Confirming in the same dialog redraws the form once more: confirmed, no "Confirm fingerprint" button.
    const confirmView = withId(checked.view, 'V0PGP');
    const right = initialState(confirmView);
    right.pgp_fingerprint = { value: { type: 'plain_text_input', value: keys.lasting!.fingerprint } };
    mark = slack.recorder.mark();
    await slack.interaction(viewSubmission(user, confirmView, right));
    const confirmed = await slack.recorder.waitFor(mark, 'views.update', (t) => t.body.view_id === form.id);
    const confirmedText = JSON.stringify(confirmed.body.view);
    expect(confirmedText).toContain(':white_check_mark: confirmed by');
    expect(() => findElement(confirmed.body.view as View, 'partner.pgp.confirm')).toThrow();
    expect(initialState(confirmed.body.view as View).partner_name?.value?.value).toBe(`${partner.name} renamed`);
    // Nothing was saved by the redraw: the rename waits for Save.
    expect((await rt.partners.get(partner.id)).name).toBe(partner.name);
  });

  it('shows on reopening a key set or confirmed elsewhere (the CLI) while the list was open', async () => {
    const user = await admin();
    const partner = await rt.partners.create({ actor: user, name: aPartnerName() });
    const list = await openPartners(user);
    expect(rowOf(list, partner)).toContain('PGP key: none');
    await rt.partnerPgp.setPgpKey(partner.id, keys.lasting!.armored, 'cli:ops', {
      confirmFingerprint: keys.lasting!.fingerprint,
    });
    const form = await openForm(user, list, partner);
    expect(JSON.stringify(form)).toContain(':white_check_mark: confirmed by cli:ops');
    expect(rowOf(await openPartners(user), partner)).toContain('PGP key: :white_check_mark: confirmed');
  });
});

describe('archiving a partner', () => {
  it('asks first, then takes the partner out of the list and the create dialog; its key keeps working', async () => {
    const user = await admin();
    const partner = await rt.partners.create({
      actor: user,
      name: aPartnerName(),
      contacts: ['U0ARCHIVED1'],
      preset: ['GET /v1/candidates'],
    });
    const issued = await rt.keys.create({ actor: user, partner: partner.name });
    const list = await openPartners(user);
    const form = await openForm(user, list, partner);
    const archive = findElement(form, 'partner.archive').element;
    expect(archive).toMatchObject({ style: 'danger', value: partner.id });
    expect(JSON.stringify(archive.confirm)).toContain('Its keys keep working');

    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'partner.archive', block_id: 'b', value: partner.id },
        { view: form },
      ),
    );
    const after = await slack.recorder.waitFor(mark, 'views.update', (t) => t.body.view_id === form.id);
    const shown = after.body.view as View;
    expect(shown.callback_id).toBe('partners');
    expect(JSON.stringify(shown)).toContain(`Archived *${partner.name}*`);
    expect(() => rowOf(shown, partner)).toThrow();
    expect(JSON.stringify(shown)).toMatch(/\d+ archived partners? not shown/);

    expect((await rt.partners.get(partner.id)).archivedAt).toBeInstanceOf(Date);
    expect((await rt.store.audit.list({ partnerId: partner.id })).map((e) => e.action)).toContain('partner.archived');
    // Its key still works and keeps its history; no new key is made for it.
    expect(await rt.keys.check(issued.secret, 'GET', '/v1/candidates')).toMatchObject({ decision: { allowed: true } });
    await expect(rt.keys.create({ actor: user, partner: partner.name })).rejects.toMatchObject({
      code: 'PARTNER_ARCHIVED',
    });

    // The create dialog's partner picker leaves it out.
    const createMark = slack.recorder.mark();
    await slack.command(user, 'create');
    const create = (await slack.recorder.waitFor(createMark, 'views.open')).body.view as View;
    expect(JSON.stringify(create)).not.toContain(partner.id);
  });

  it('is refused to someone without the admin role, and nothing changes', async () => {
    const user = await admin();
    const partner = await rt.partners.create({ actor: user, name: aPartnerName() });
    const form = await openForm(user, await openPartners(user), partner);
    const approver = await userWith('approver');
    await slack.interaction(
      blockActions(
        approver,
        { type: 'button', action_id: 'partner.archive', block_id: 'b', value: partner.id },
        { view: form },
      ),
    );
    expect((await rt.partners.get(partner.id)).archivedAt).toBeNull();
  });
});

describe('what left the app', () => {
  it('acknowledges every button it drew', async () => {
    expect(await unacknowledgedActions(slack)).toEqual([]);
  });

  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });
});
