import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { blockActions, findElement, keyMenuPick } from '../helpers/slack-payloads.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { secretSightings } from '../helpers/slack-traffic.ts';

const CHANNEL = 'C0APPROVALS';
const { rt, slack, logs, userWith } = slackSuite({
  logLevel: 'trace',
  env: { APPROVAL_REQUIRED_FOR: 'create', APPROVALS_CHANNEL: CHANNEL },
});

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
type Element = Record<string, unknown>;

let events = 0;

/** Opens the Home tab as `user` and returns the view published for them. */
async function openHome(user: string): Promise<View> {
  events += 1;
  const mark = slack.recorder.mark();
  await slack.event({ type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: `9.${events}` });
  const published = await slack.recorder.waitFor(mark, 'views.publish', (t) => t.body.user_id === user);
  return { ...(published.body.view as View), id: 'V0HOME' };
}

/** Clicks `action` (an element of the Home) and returns the next Home published for `user`. */
async function clickHome(user: string, home: View, action: Element): Promise<View> {
  const mark = slack.recorder.mark();
  await slack.interaction(blockActions(user, action as never, { view: home }));
  const published = await slack.recorder.waitFor(mark, 'views.publish', (t) => t.body.user_id === user);
  return { ...(published.body.view as View), id: 'V0HOME' };
}

/** The dialog a Home button opens. */
async function openFromHome(user: string, home: View, actionId: string, value?: string): Promise<View> {
  const { block, element } = findElement(home, actionId);
  const mark = slack.recorder.mark();
  await slack.interaction(
    blockActions(
      user,
      {
        type: 'button',
        action_id: actionId,
        block_id: block.block_id as string,
        value: value ?? (element.value as string),
      },
      { view: home },
    ),
  );
  return (await slack.recorder.waitFor(mark, 'views.open')).body.view as View;
}

function navButtons(home: View): string[] {
  const nav = home.blocks.find((b) => b.block_id === 'home_nav') as { elements: { text: { text: string } }[] };
  return nav.elements.map((e) => e.text.text);
}

/** The descriptions of the key rows shown. */
function rows(home: View): string[] {
  return home.blocks
    .filter((b) => {
      const accessory = b.accessory as { action_id?: string } | undefined;
      return accessory?.action_id === 'key.menu' || accessory?.action_id === 'key.view';
    })
    .map((b) => /^\*(.*?)\*/.exec((b.text as { text: string }).text)?.[1] ?? '');
}

function filterElement(home: View, actionId: string): { block: Element; element: Element } {
  return findElement(home, actionId);
}

function select(home: View, actionId: string, value: string): Element {
  const { block } = filterElement(home, actionId);
  return {
    type: 'static_select',
    action_id: actionId,
    block_id: block.block_id,
    selected_option: { text: { type: 'plain_text', text: value }, value },
  };
}

function searchFor(home: View, text: string): Element {
  const block = home.blocks.find((b) => String(b.block_id).startsWith('home_search')) as Element;
  return { type: 'plain_text_input', action_id: 'home.search', block_id: block.block_id, value: text };
}

function searchBox(home: View): Element {
  return (home.blocks.find((b) => String(b.block_id).startsWith('home_search')) as { element: Element }).element;
}

describe('App Home for each role', () => {
  it('gives admins Create, Partners, Roles and Help, and a View in every key’s menu', async () => {
    const user = await userWith('admin');
    const { key } = await rt.keys.create({ actor: user, description: `Admin view ${Date.now()}`, grants: [] });
    const home = await openHome(user);
    expect(navButtons(home)).toEqual(['Create New API Key', 'Partners', 'Roles', 'Help']);
    const row = home.blocks.find((b) => JSON.stringify(b).includes(`view:${key.id}`)) as { accessory: Element };
    expect((row.accessory.options as { text: { text: string } }[]).map((o) => o.text.text)).toEqual([
      'View',
      'Edit',
      'Revoke',
      'Replace',
      'History',
    ]);
    // The row names the key by description and last characters, not by id.
    expect(JSON.stringify(row)).toContain(`…${key.hint}`);

    expect((await openFromHome(user, home, 'home.partners')).callback_id).toBe('partners');
    expect((await openFromHome(user, home, 'home.roles')).callback_id).toBe('roles');
    const help = await openFromHome(user, home, 'home.help');
    expect(help.callback_id).toBe('help');
    expect(JSON.stringify(help)).toContain('/harvest-keys create');

    const mark = slack.recorder.mark();
    await slack.interaction(blockActions(user, keyMenuPick('View', `view:${key.id}`), { view: home }));
    const opened = (await slack.recorder.waitFor(mark, 'views.open')).body.view as View;
    expect(opened.callback_id).toBe('key.view');
    expect(JSON.stringify(opened)).toContain(key.description);
  });

  it('gives an approver View on every key, Approvals and what waits for them, to approve right there', async () => {
    const approver = await userWith('approver');
    const requester = await userWith('admin');
    const { key } = await rt.keys.create({ actor: requester, description: `Approver view ${Date.now()}`, grants: [] });
    const request = await rt.approvals.requestCreate({
      actor: requester,
      description: `Held for the Home ${Date.now()}`,
      grants: ['GET /v1/users'],
    });

    const home = await openHome(approver);
    expect(navButtons(home)).toEqual(['Approvals (1)', 'Help']);
    const text = JSON.stringify(home);
    expect(text).toContain('Waiting for your approval (1)');
    expect(text).toContain(request.payload.description);
    expect(text).not.toContain('key.menu');
    expect(text).not.toContain('home.create');

    // View: the key read-only, without its menu.
    const view = await openFromHome(approver, home, 'key.view', key.id);
    expect(view.callback_id).toBe('key.view');
    expect(JSON.stringify(view)).toContain(key.description);
    expect(JSON.stringify(view)).not.toContain('key.menu');

    // Approvals: the requests by description, no bare request id.
    const approvals = await openFromHome(approver, home, 'home.approvals');
    expect(approvals.callback_id).toBe('approvals');
    expect(JSON.stringify(approvals)).toContain(request.payload.description);
    expect(JSON.stringify(approvals)).not.toContain(request.id);

    // Approve from the Home: the request is decided and leaves the Home.
    const { block, element } = findElement(home, 'approval.approve');
    expect(element.value).toBe(request.id);
    const after = await clickHome(approver, home, {
      type: 'button',
      action_id: 'approval.approve',
      block_id: block.block_id,
      value: request.id,
    });
    expect((await rt.approvals.listPending()).map((r) => r.id)).not.toContain(request.id);
    expect(JSON.stringify(after)).not.toContain('Waiting for your approval');
    expect(navButtons(after)).toEqual(['Approvals', 'Help']);
  });

  it('tells someone without a role which admins to ask, and still offers Help', async () => {
    const nobody = anAdmin();
    const admins = [];
    for (let i = 0; i < 7; i++) admins.push(await userWith('admin'));
    const home = await openHome(nobody);
    const text = JSON.stringify(home);
    expect(text).toContain('you need the admin or approver role');
    const mentions = text.match(/<@U[A-Z0-9]+>/g) ?? [];
    expect(mentions.length).toBeGreaterThan(0);
    expect(mentions.length).toBeLessThanOrEqual(5);
    expect(text).toMatch(/or \d+ more/);
    expect(navButtons(home)).toEqual(['Help']);
    expect((await openFromHome(nobody, home, 'home.help')).callback_id).toBe('help');

    // A refused command names them the same way.
    const mark = slack.recorder.mark();
    await slack.command(nobody, 'roles');
    const answer = String((await slack.recorder.waitFor(mark, 'response_url')).body.text);
    expect(answer).toMatch(/^Sorry, only admins can do that/);
    const named = answer.match(/<@U[A-Z0-9]+>/g) ?? [];
    expect(named.length).toBe(5);
    expect(answer).toMatch(/Admins who can grant the admin role: (<@U[A-Z0-9]+>, ){4}<@U[A-Z0-9]+> or \d+ more\.$/);
    expect(slack.recorder.since(mark, 'views.open')).toEqual([]);
  });

  it('tells an admin who is not an approver, clicking Approve, which admins can grant the role', async () => {
    const outsider = await userWith('admin');
    const request = await rt.approvals.requestCreate({
      actor: anAdmin(),
      description: 'Not yours to decide',
      grants: [],
    });
    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        outsider,
        { type: 'button', action_id: 'approval.approve', block_id: `approval.${request.id}`, value: request.id },
        { view: { type: 'home', id: 'V0HOME', blocks: [] } },
      ),
    );
    const told = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === outsider);
    expect(String(told.body.text)).toMatch(
      /^Only approvers can decide on requests; nothing was changed\. Admins who can grant the approver role: <@U/,
    );
    expect((await rt.approvals.listPending()).find((r) => r.id === request.id)?.decisions).toEqual([]);
  });
});

describe('App Home filters and search', () => {
  it('filters by status, partner, legacy, never used and expiring, and Clear shows every key again', async () => {
    const user = await userWith('admin');
    const tag = `flt${Date.now()}`;
    const partner = await rt.partners.create({ actor: user, name: `Partner ${tag}` });
    const active = (await rt.keys.create({ actor: user, description: `${tag} active`, grants: [] })).key;
    const revoked = (await rt.keys.create({ actor: user, description: `${tag} revoked`, grants: [] })).key;
    await rt.keys.revoke(revoked.id, { actor: user, reason: 'test' });
    const stopping = (await rt.keys.create({ actor: user, description: `${tag} stopping`, grants: [] })).key;
    await rt.keys.replace(stopping.id, { actor: user, graceSeconds: 3600 });
    await rt.keys.create({ actor: user, partner: partner.name, description: `${tag} partner`, grants: [] });
    await rt.importKeys(
      Buffer.from(
        `key,description,partner,created_at,grants\n0123456789abcdef0123456789ab${String(Date.now() % 10_000).padStart(4, '0')},${tag} legacy,,2016-03-01,\n`,
      ),
      user,
    );
    const sql = postgres(rt.database.url, { max: 1, onnotice: () => {} });
    try {
      await sql`update api_keys set last_used_at = now() where id = ${active.id}`;
    } finally {
      await sql.end();
    }

    let home = await openHome(user);
    home = await clickHome(user, home, searchFor(home, tag));
    const all = rows(home);
    expect(all).toHaveLength(6); // the stopping key's successor carries its description
    expect(JSON.stringify(home)).toContain(`Showing 1–6 of 6 keys: matching “${tag}”`);

    home = await clickHome(user, home, select(home, 'home.filter.status', 'revoked'));
    expect(rows(home)).toEqual([`${tag} revoked`]);
    expect(JSON.stringify(home)).toContain(`revoked, matching “${tag}”`);

    home = await clickHome(user, home, select(home, 'home.filter.status', 'usable'));
    expect(rows(home)).not.toContain(`${tag} revoked`);
    expect(rows(home)).toContain(`${tag} stopping`);
    home = await clickHome(user, home, select(home, 'home.filter.status', 'any'));

    const flags = (values: string[]) => {
      const { block } = filterElement(home, 'home.filter.flags');
      return {
        type: 'checkboxes',
        action_id: 'home.filter.flags',
        block_id: block.block_id,
        selected_options: values.map((value) => ({ text: { type: 'plain_text', text: value }, value })),
      };
    };
    home = await clickHome(user, home, flags(['expiring']));
    expect(rows(home)).toEqual([`${tag} stopping`]);
    home = await clickHome(user, home, flags(['legacy']));
    expect(rows(home)).toEqual([`${tag} legacy`]);
    home = await clickHome(user, home, flags(['unused']));
    expect(rows(home)).not.toContain(`${tag} active`);
    expect(rows(home)).toHaveLength(5);
    home = await clickHome(user, home, flags([]));

    home = await clickHome(user, home, select(home, 'home.filter.partner', partner.id));
    expect(rows(home)).toEqual([`${tag} partner`]);
    expect(JSON.stringify(home)).toContain(`partner Partner ${tag}`);

    // Clear: no search, no filter, every key; the search box is empty again.
    const { block } = findElement(home, 'home.clear');
    home = await clickHome(user, home, {
      type: 'button',
      action_id: 'home.clear',
      block_id: block.block_id,
      value: 'clear',
    });
    expect(JSON.stringify(home)).not.toContain('home.clear');
    expect(searchBox(home).initial_value).toBeUndefined();
    expect(JSON.stringify(home)).toMatch(/Showing 1–\d+ of \d+ keys\./);
  });

  it('finds a key by the last characters its row shows', async () => {
    const user = await userWith('admin');
    const { key } = await rt.keys.create({ actor: user, description: `By hint ${Date.now()}`, grants: [] });
    let home = await openHome(user);
    home = await clickHome(user, home, searchFor(home, `…${key.hint}`));
    expect(rows(home)).toContain(key.description);
  });

  it('forgets the last search when the Home is opened again', async () => {
    const user = await userWith('admin');
    const tag = `srch${Date.now()}`;
    await rt.keys.create({ actor: user, description: `${tag} one`, grants: [] });
    let home = await openHome(user);
    home = await clickHome(user, home, searchFor(home, tag));
    expect(searchBox(home).initial_value).toBe(tag);
    expect(rows(home)).toEqual([`${tag} one`]);
    const searchedBlock = home.blocks.find((b) => String(b.block_id).startsWith('home_search'))?.block_id;

    home = await openHome(user);
    expect(searchBox(home).initial_value).toBeUndefined();
    // A new block id: Slack does not keep the old text typed in the box.
    expect(home.blocks.find((b) => String(b.block_id).startsWith('home_search'))?.block_id).not.toBe(searchedBlock);
    expect(JSON.stringify(home)).not.toContain(`matching “${tag}”`);
  });

  it('stays within Block Kit’s 100 blocks with many keys and many waiting requests', async () => {
    const user = await userWith('admin');
    await rt.roles.grant(user, 'approver', 'test');
    const requester = await userWith('admin');
    for (let i = 0; i < 8; i++)
      await rt.approvals.requestCreate({ actor: requester, description: `Many ${i}`, grants: [] });
    for (let i = 0; i < 25; i++) await rt.keys.create({ actor: user, description: `Bulk ${i}`, grants: [] });
    const home = await openHome(user);
    expect(home.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(home)).toContain('more: the Approvals button lists them all');
    expect(navButtons(home)[3]).toMatch(/^Approvals \(\d+\)$/);
  });
});

describe('the command', () => {
  it('names an unknown subcommand and lists what it can do', async () => {
    const user = await userWith('admin');
    const mark = slack.recorder.mark();
    await slack.command(user, 'frobnicate now');
    const answer = await slack.recorder.waitFor(mark, 'response_url');
    expect(answer.body.response_type).toBe('ephemeral');
    expect(answer.raw).toContain('`/harvest-keys frobnicate` isn’t a command');
    expect(answer.raw).toContain('/harvest-keys create');
  });

  it('lists waiting approvals by description, not by request id', async () => {
    const approver = await userWith('approver');
    const requester = await userWith('admin');
    const request = await rt.approvals.requestCreate({
      actor: requester,
      description: `Listed by name ${Date.now()}`,
      grants: [],
    });
    const mark = slack.recorder.mark();
    await slack.command(approver, 'approvals');
    const answer = await slack.recorder.waitFor(mark, 'response_url');
    expect(answer.raw).toContain(request.payload.description);
    expect(answer.raw).not.toContain(request.id);
  });
});

describe('what left the app', () => {
  it('acknowledges every button, menu and dispatching input it drew', async () => {
    expect(await unacknowledgedActions(slack)).toEqual([]);
  });

  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });

  it('never carried a secret', () => {
    expect(secretSightings(slack.recorder.traffic, logs.text())).toEqual([]);
  });
});
