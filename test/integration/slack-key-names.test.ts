import { describe, expect, it } from 'vitest';
import { aPartnerName } from '../fixtures/actors.ts';
import { assertValidSurface } from '../helpers/block-kit-validator.ts';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { blockActions, findElement, initialState, keyMenuPick, viewSubmission } from '../helpers/slack-payloads.ts';

// Issue 12 items 4 and 8: keys told apart by description and last four characters, search by those characters,
// replacements named from both ends; copy that counts right and actions offered only when they can succeed.

const { rt, slack, admin } = slackSuite({ logLevel: 'info' });

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
type Overflow = { options: { value: string; text: { text: string } }[] };

async function openFromCommand(user: string, text: string, viewId: string): Promise<View> {
  const mark = slack.recorder.mark();
  await slack.command(user, text);
  const opened = await slack.recorder.waitFor(mark, 'views.open');
  return { ...(opened.body.view as View), id: viewId };
}

async function ephemeral(user: string, text: string) {
  const mark = slack.recorder.mark();
  await slack.command(user, text);
  return slack.recorder.waitFor(mark, 'response_url');
}

/** The blocks of a message answer, and the overflow menu of the row that names `keyId`. */
function menuOfRow(blocks: Record<string, unknown>[], keyId: string): string[] {
  const row = blocks.find((b) => b.accessory !== undefined && JSON.stringify(b.text ?? '').includes(keyId));
  if (row === undefined) throw new Error(`no row for ${keyId}`);
  return ((row.accessory as Overflow | undefined)?.options ?? []).map((o) => o.text.text);
}

const named = (key: { description: string; hint: string }) => `*${key.description}* \`…${key.hint}\``;

/** Two keys with one description, whose last characters differ (almost always at the first try). */
async function twins(user: string, description: string) {
  const first = await rt.keys.create({ actor: user, description, grants: ['GET /v1/users'] });
  for (;;) {
    const second = await rt.keys.create({ actor: user, description, grants: ['GET /v1/users'] });
    if (second.key.hint.toLowerCase() !== first.key.hint.toLowerCase()) return [first.key, second.key] as const;
  }
}

describe('keys you can tell apart', () => {
  it('lists rows by description and last four characters, with the id kept to type', async () => {
    const user = await admin();
    const [a, b] = await twins(user, 'Payroll sync');
    const list = await ephemeral(user, 'list Payroll sync');
    expect(list.raw).toContain(named(a));
    expect(list.raw).toContain(named(b));
    // The id stays as the last detail of the row, for `show <id>` and friends.
    expect(list.raw).toContain(`\`${a.id}\``);
    const row = (list.body.blocks as Record<string, unknown>[]).find((x) => JSON.stringify(x).includes(a.id))!;
    expect(String((row.text as { text: string }).text).startsWith(named(a))).toBe(true);
  });

  it('finds a key by its last characters in list and in the App Home search', async () => {
    const user = await admin();
    const [a, b] = await twins(user, 'Twin integration');
    for (const query of [a.hint, `…${a.hint}`, `...${a.hint}`]) {
      const list = await ephemeral(user, `list ${query}`);
      expect(list.raw).toContain(a.id);
      expect(list.raw).not.toContain(b.id);
    }

    let mark = slack.recorder.mark();
    await slack.event({ type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '4.1' });
    const home = (await slack.recorder.waitFor(mark, 'views.publish', (t) => t.body.user_id === user)).body
      .view as View;
    expect(JSON.stringify(home)).toContain('last characters');
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'plain_text_input', action_id: 'home.search', block_id: 'home_search', value: `…${b.hint}` },
        { view: { ...home, id: 'V0HOMEHINT' } },
      ),
    );
    const searched = await slack.recorder.waitFor(mark, 'views.publish', (t) => t.body.user_id === user);
    expect(searched.raw).toContain(b.id);
    expect(searched.raw).not.toContain(a.id);
    expect(JSON.stringify(searched.body.view)).toContain(named(b));
  });

  it('names the key in the revoke and re-enable dialogs, their results and the DM, not by a bare id', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Billing export', grants: ['GET /v1/users'] });
    const revoke = await openFromCommand(user, `revoke ${key.id}`, 'V0NAMEREV');
    expect(JSON.stringify(revoke)).toContain(named(key));
    // The id travels only in the button and metadata, never in what the dialog says.
    const said = revoke.blocks.map((b) => JSON.stringify([b.text ?? '', b.fields ?? ''])).join('\n');
    expect(said).not.toContain(key.id);
    let mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'key.revoke.confirm', block_id: 'revoke_reason', value: key.id },
        { view: revoke },
      ),
    );
    const result = await slack.recorder.waitFor(mark, 'views.update', (t) => t.body.view_id === 'V0NAMEREV');
    const resultText = JSON.stringify(result.body.view);
    expect(resultText).toContain(`Revoked ${named(key)}. It stopped working right away.`);
    expect(resultText).not.toContain(key.id);
    const dm = await slack.recorder.waitFor(mark, 'chat.postMessage');
    expect(String(dm.body.text)).toContain(`Revoked ${named(key)}`);

    const enable = await openFromCommand(user, `enable ${key.id}`, 'V0NAMEEN');
    expect(JSON.stringify(enable)).toContain(named(key));
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'key.enable.confirm', block_id: 'b', value: key.id },
        { view: enable },
      ),
    );
    const enabled = await slack.recorder.waitFor(mark, 'views.update', (t) => t.body.view_id === 'V0NAMEEN');
    expect(JSON.stringify(enabled.body.view)).toContain(`Re-enabled ${named(key)}. It works again right away.`);
  });

  it('links a replacement both ways in show and list, and offers no Edit or Replace on the replaced key', async () => {
    const user = await admin();
    const { key: old } = await rt.keys.create({ actor: user, description: 'Warehouse feed', grants: ['GET /v1/jobs'] });
    const replace = await openFromCommand(user, `replace ${old.id}`, 'V0NAMEREPL');
    expect(JSON.stringify(replace)).toContain(named(old));
    const shown = (await slack.interaction(viewSubmission(user, replace))).json() as { view: View };
    expect(shown.view.callback_id).toBe('key.show-once');
    const successor = (await rt.keys.get(old.id)).replacedBy!;
    const fresh = await rt.keys.get(successor);
    expect(JSON.stringify(shown.view)).toContain(`It replaces ${named(old)}, which is revoked now.`);

    const showOld = await ephemeral(user, `show ${old.id}`);
    expect(showOld.raw).toContain(`Replaced by ${named(fresh)}`);
    expect(showOld.raw).toContain(`*Key id*\\n\`${old.id}\``);
    const showNew = await ephemeral(user, `show ${fresh.id}`);
    expect(showNew.raw).toContain(`Replaces ${named(old)}`);

    const list = await ephemeral(user, 'list Warehouse feed');
    const blocks = list.body.blocks as Record<string, unknown>[];
    expect(list.raw).toContain(`Replaced by ${named(fresh)}`);
    expect(list.raw).toContain(`Replaces ${named(old)}`);
    // Edit and Replace of a replaced key are refused by the service: the menu leaves them out.
    expect(menuOfRow(blocks, old.id)).toEqual(['View', 'Re-enable', 'History']);
    expect(menuOfRow(blocks, fresh.id)).toEqual(['View', 'Edit', 'Revoke', 'Replace', 'History']);

    // The View dialog (every role's way in from the Home) names the replacement too.
    const viewMark = slack.recorder.mark();
    await slack.interaction(
      blockActions(user, keyMenuPick('View', `view:${old.id}`), {
        message: { text: 'keys', blocks: [] },
        responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/view',
      }),
    );
    const viewed = await slack.recorder.waitFor(viewMark, 'views.open');
    expect(viewed.raw).toContain(`Replaced by ${named(fresh)}`);

    // Typed anyway, they answer with the key to use instead, not a dialog that would fail on submit.
    for (const verb of ['edit', 'replace']) {
      const notice = await openFromCommand(user, `${verb} ${old.id}`, `V0REPLACED${verb}`);
      expect(notice.title).toMatchObject({ text: 'Already Replaced' });
      expect(JSON.stringify(notice)).toContain(`was replaced by ${named(fresh)}`);
    }
  });
});

describe('copy that says only what is so', () => {
  it('reports a rename as a rename, and a permission change by what changed', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Old name', grants: ['GET /v1/users'] });
    const edit = await openFromCommand(user, `edit ${key.id}`, 'V0RENAME');
    const state = initialState(edit);
    state.description = { value: { type: 'plain_text_input', value: 'New name' } };
    const review = (await slack.interaction(viewSubmission(user, edit, state))).json() as { view: View };
    expect(review.view.callback_id).toBe('key.edit.confirm');
    assertValidSurface('modal', review.view);
    const mark = slack.recorder.mark();
    await slack.interaction(viewSubmission(user, { ...review.view, id: 'V0RENAME2' }));
    const dm = await slack.recorder.waitFor(mark, 'chat.postMessage');
    expect(String(dm.body.text)).toBe(`:pencil2: Renamed ${named(key)} to *New name*.`);
    expect(dm.raw).not.toContain('0 permissions');
    expect(dm.raw).not.toContain('0 removed');
  });

  it('counts a one-endpoint preset in the singular when a partner is saved', async () => {
    const user = await admin();
    const partner = await rt.partners.create({ actor: user, name: aPartnerName(), preset: ['GET /v1/users'] });
    let mark = slack.recorder.mark();
    await slack.command(user, 'partners');
    const list = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0PLURAL' };
    expect(JSON.stringify(list)).toContain('Preset: 1 endpoint ');
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'partner.edit', block_id: 'b', value: partner.id },
        { view: list },
      ),
    );
    const form = {
      ...((await slack.recorder.waitFor(mark, 'views.update')).body.view as View),
      id: 'V0PLURAL2',
    };
    const saved = (await slack.interaction(viewSubmission(user, form))).json() as { view: View };
    assertValidSurface('modal', saved.view);
    expect(JSON.stringify(saved.view)).toContain('(preset: 1 endpoint).');
    expect(JSON.stringify(saved.view)).not.toContain('1 endpoints');
  });

  it('marks the description required without a partner and optional, with its default, once one is picked', async () => {
    const user = await admin();
    const partner = await rt.partners.create({ actor: user, name: aPartnerName(), preset: [] });
    const create = await openFromCommand(user, 'create', 'V0DESC');
    const description = create.blocks.find((b) => String(b.block_id).startsWith('description.'))!;
    expect(description.optional).toBe(false);
    expect(JSON.stringify(description)).not.toContain('Required without a partner');
    expect(JSON.stringify(description)).toContain('What the key is for');

    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        {
          type: 'static_select',
          action_id: findElement(create, 'create.partner').element.action_id as string,
          block_id: 'partner',
          selected_option: { text: { type: 'plain_text', text: partner.name }, value: partner.id },
        },
        { view: create },
      ),
    );
    const updated = (await slack.recorder.waitFor(mark, 'views.update')).body.view as View;
    const withPartner = updated.blocks.find((b) => String(b.block_id).startsWith('description.'))!;
    expect(withPartner.optional).toBe(true);
    expect(JSON.stringify(withPartner)).toContain(`Leave it empty for \\"${partner.name} Harvest API Key\\"`);
  });

  it('shows no Remove on your own admin grant and says when you are the only admin', async () => {
    const user = await admin();
    const other = await admin();
    const mark = slack.recorder.mark();
    await slack.command(user, 'roles');
    const view = (await slack.recorder.waitFor(mark, 'views.open')).body.view as View;
    const rows = view.blocks.filter((b) => JSON.stringify(b.text ?? '').includes('*admin*'));
    const own = rows.find((b) => JSON.stringify(b).includes(`<@${user}> (you)`))!;
    expect(own.accessory).toBeUndefined();
    expect(JSON.stringify(own)).toContain('Another admin can remove your admin role');
    const theirs = rows.find((b) => JSON.stringify(b).includes(`<@${other}>`))!;
    expect((theirs.accessory as { action_id: string }).action_id).toBe('role.remove');

    // Alone: every other admin grant gone, the dialog says what to do first.
    for (const grant of await rt.roles.list())
      if (grant.role === 'admin' && grant.slackUserId !== user)
        await rt.roles.remove(grant.slackUserId, 'admin', 'test');
    const alone = slack.recorder.mark();
    await slack.command(user, 'roles');
    const only = (await slack.recorder.waitFor(alone, 'views.open')).body.view as View;
    const mine = only.blocks.find((b) => JSON.stringify(b).includes(`<@${user}> (you)`))!;
    expect(mine.accessory).toBeUndefined();
    expect(JSON.stringify(mine)).toContain('You are the only admin');
    expect(JSON.stringify(only)).not.toContain(`${user}|admin`);
  });
});

describe('what left the app', () => {
  it('acknowledges every button, menu and dispatching input it drew', async () => {
    expect(await unacknowledgedActions(slack)).toEqual([]);
  });

  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });
});
