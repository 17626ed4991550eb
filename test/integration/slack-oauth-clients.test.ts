import { describe, expect, it } from 'vitest';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import {
  blockActions,
  checkboxBlocks,
  findElement,
  initialState,
  keyMenuPick,
  viewSubmission,
} from '../helpers/slack-payloads.ts';
import { recordCanary } from '../helpers/secret-canary.ts';
import { secretSightings } from '../helpers/slack-traffic.ts';

const { rt, slack, logs, admin, userWith } = slackSuite({
  logLevel: 'trace',
  env: { OAUTH_ISSUER: 'https://api.example.com' },
});

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
type Option = Record<string, unknown> & { value: string };

const withId = (view: unknown, id: string): View => ({ ...(view as View), id });
/** The create dialog's API type choices. */
const apiTypes = (view: View): Option[] =>
  (view.blocks.find((b) => b.block_id === 'api_type') as { element: { options: Option[] } }).element.options;
const SECRET = /hk_[0-9A-Za-z]{38}/;

/** `/harvest-keys create`, the API type and description chosen, → "Manage Permissions" → Save with what is ticked. */
async function createThroughSlack(user: string, type: string, description: string) {
  const mark = slack.recorder.mark();
  await slack.command(user, 'create');
  const first = withId((await slack.recorder.waitFor(mark, 'views.open')).body.view, 'V0CREATE');
  const typeOption = apiTypes(first).find((o) => o.value === type);
  expect(typeOption, `API type ${type}`).toBeDefined();
  const state = initialState(first);
  state.api_type = { value: { type: 'static_select', selected_option: typeOption } };
  const descriptionBlock = first.blocks.find((b) => String(b.block_id).startsWith('description'))!.block_id as string;
  state[descriptionBlock] = { value: { type: 'plain_text_input', value: description } };
  const step2 = (await slack.interaction(viewSubmission(user, first, state))).json() as { view: View };
  const permissions = withId(step2.view, 'V0CREATE');
  const picker = initialState(permissions);
  // Tick List Users, wherever the picker drew it.
  const usersBlock = checkboxBlocks(permissions).find((b) =>
    ((b.element as { options: { description: { text: string } }[] }).options ?? []).some(
      (o) => o.description.text === 'GET /v1/users',
    ),
  )!;
  const usersOption = (usersBlock.element as { options: { description: { text: string } }[] }).options.find(
    (o) => o.description.text === 'GET /v1/users',
  );
  picker[usersBlock.block_id as string] = { 'picker.check': { type: 'checkboxes', selected_options: [usersOption] } };
  const saved = (await slack.interaction(viewSubmission(user, permissions, picker))).json() as {
    response_action: string;
    view: View;
  };
  return { first, permissions, saved };
}

describe('Harvest v3 clients in Slack', () => {
  it('the create dialog offers both API types; "Harvest v3 (OAuth)" makes a client shown once with its id and a token hint', async () => {
    const user = await admin();
    const { first, permissions, saved } = await createThroughSlack(user, 'oauth_client', 'Slack v3 client');
    const types = apiTypes(first);
    expect(types.map((o) => (o.text as { text: string }).text)).toEqual(['Harvest', 'Harvest v3 (OAuth)']);
    expect(JSON.stringify(permissions.blocks)).toContain('Harvest v3 (OAuth) client:');

    expect(saved.response_action).toBe('update');
    expect(saved.view).toMatchObject({ callback_id: 'key.show-once', title: { text: 'v3 Client Created' } });
    const text = JSON.stringify(saved.view);
    const secret = SECRET.exec(text)?.[0] as string;
    recordCanary(secret);
    const keyId = findElement(saved.view, 'key.stored').element.value as string;
    const client = await rt.keys.get(keyId);
    expect(client).toMatchObject({ kind: 'oauth_client', permissions: ['GET /v1/users'], createdBy: user });
    expect(text).toContain(`\`\`\`${client.clientId}\`\`\``);
    expect(text).toContain(`\`\`\`${secret}\`\`\``);
    expect(text).toContain(
      `curl -s -u \\"${client.clientId}:$CLIENT_SECRET\\" -d grant_type=client_credentials https://api.example.com/oauth/token`,
    );
    expect(saved.view.private_metadata).not.toContain(secret);
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({ outcome: 'client_secret' });

    // The key view names it a client and shows its client id; never its secret.
    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(user, keyMenuPick('View', `view:${client.id}`), { view: withId(saved.view, 'V0HOME') }),
    );
    const opened = (await slack.recorder.waitFor(mark, 'views.open')).body.view as View;
    expect(opened).toMatchObject({ callback_id: 'key.view', title: { text: 'Harvest v3 Client' } });
    const shown = JSON.stringify(opened);
    expect(shown).toContain(`*Client id*\\n\`${client.clientId}\``);
    expect(shown).toContain('Harvest v3 (OAuth)');
    expect(shown).toContain(`_v3 client_ \`${client.clientId}\``);
    expect(shown).not.toContain('Upgrade to v3');
    expect(shown).not.toMatch(SECRET);
  });

  it('"Harvest" still makes a key', async () => {
    const user = await admin();
    const { saved } = await createThroughSlack(user, 'catalog', 'Slack plain key');
    expect(saved.view).toMatchObject({ callback_id: 'key.show-once', title: { text: 'API Key Created' } });
    const secret = SECRET.exec(JSON.stringify(saved.view))?.[0] as string;
    recordCanary(secret);
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({ outcome: 'decided' });
  });

  it('replace of a client says the client id stays and shows the new secret under the same id', async () => {
    const user = await admin();
    const client = await rt.keys.create({
      actor: user,
      kind: 'oauth_client',
      description: 'Client to replace',
      grants: ['GET /v1/users'],
    });
    recordCanary(client.secret);
    const mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(user, keyMenuPick('Replace', `replace:${client.key.id}`), {
        view: withId({ blocks: [] }, 'V0HOME'),
      }),
    );
    const dialog = withId((await slack.recorder.waitFor(mark, 'views.open')).body.view, 'V0REPLACE');
    expect(dialog).toMatchObject({ callback_id: 'key.replace', title: { text: 'Replace Client Secret' } });
    expect(JSON.stringify(dialog)).toContain('*client id stays the same*');
    const state = initialState(dialog);
    state.grace = { value: { type: 'radio_buttons', selected_option: { value: '3600' } } };
    const answer = (await slack.interaction(viewSubmission(user, dialog, state))).json() as { view: View };
    expect(answer.view).toMatchObject({ callback_id: 'key.show-once', title: { text: 'New Client Secret' } });
    const text = JSON.stringify(answer.view);
    recordCanary(SECRET.exec(text)?.[0] as string);
    expect(text).toContain(`\`\`\`${client.key.clientId}\`\`\``);
    expect(text).toContain('The client id stays the same');
  });

  it('Upgrade to v3 from the key view: a client with the legacy permissions made explicit, the key ending in 7 days, audited', async () => {
    const user = await admin();
    const legacySecret = 'slackUpgradeLegacy0123456789abcdefXY';
    recordCanary(legacySecret);
    await rt.importKeys(
      Buffer.from(`key,description,partner,created_at\n${legacySecret},Legacy for Slack upgrade,,2016-05-01\n`),
      user,
    );
    const legacy = (await rt.keys.list({ text: 'Legacy for Slack upgrade' })).keys[0]!;
    const approver = await userWith('approver');

    // An approver's key view offers no upgrade; an admin's does.
    let mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        approver,
        { type: 'button', action_id: 'key.view', block_id: 'b', value: legacy.id },
        { view: withId({ blocks: [] }, 'V0HOME') },
      ),
    );
    expect(JSON.stringify((await slack.recorder.waitFor(mark, 'views.open')).body.view)).not.toContain('Upgrade to v3');
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(user, keyMenuPick('View', `view:${legacy.id}`), { view: withId({ blocks: [] }, 'V0HOME') }),
    );
    const view = withId((await slack.recorder.waitFor(mark, 'views.open')).body.view, 'V0KEYVIEW');
    const upgradeButton = findElement(view, 'key.upgrade');
    expect((upgradeButton.element.text as { text: string }).text).toBe('Upgrade to v3');

    // An approver pressing it anyway is refused; the admin gets the dialog pushed over the view.
    const refusedMark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        approver,
        { type: 'button', action_id: 'key.upgrade', block_id: 'b', value: legacy.id },
        { view: withId(view, 'V0KEYVIEW2') },
      ),
    );
    const refusal = await slack.recorder.waitFor(refusedMark, 'chat.postMessage', (t) => t.body.channel === approver);
    expect(String(refusal.body.text)).toMatch(/admin/);
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        {
          type: 'button',
          action_id: 'key.upgrade',
          block_id: upgradeButton.block.block_id as string,
          value: legacy.id,
        },
        { view },
      ),
    );
    const dialog = withId((await slack.recorder.waitFor(mark, 'views.push')).body.view, 'V0UPGRADE');
    expect(dialog).toMatchObject({ callback_id: 'key.upgrade', title: { text: 'Upgrade to v3' } });
    const rule = rt.keys.legacyRule();
    expect(JSON.stringify(dialog)).toContain(`plus the ${rule.endpoints.length} legacy endpoints`);
    const state = initialState(dialog);
    expect(state.grace?.value?.selected_option).toMatchObject({ value: '604800' });
    const started = Date.now();
    const answer = (await slack.interaction(viewSubmission(user, dialog, state))).json() as { view: View };
    expect(answer.view).toMatchObject({ callback_id: 'key.show-once', title: { text: 'Upgraded to v3' } });
    const secret = SECRET.exec(JSON.stringify(answer.view))?.[0] as string;
    recordCanary(secret);

    const old = await rt.keys.get(legacy.id);
    const client = await rt.keys.get(old.replacedBy as string);
    expect(client).toMatchObject({ kind: 'oauth_client', legacy: false });
    expect(client.permissions).toEqual(rule.endpoints.map((e) => e.id).sort());
    expect(old.status).toBe('active');
    expect(old.revokeAt?.getTime()).toBeGreaterThanOrEqual(started + 7 * 86_400_000 - 1000);
    expect(JSON.stringify(answer.view)).toContain(`\`\`\`${client.clientId}\`\`\``);
    expect(await rt.keys.check(secret, 'GET', '/v1/candidates')).toMatchObject({
      outcome: 'client_secret',
      key: { id: client.id },
    });
    const [audit] = await rt.db.sql<{ actor: string; details: Record<string, unknown> }[]>`
      select actor, details from audit_events where key_id = ${old.id} and action = 'key.replaced'`;
    expect(audit).toMatchObject({ actor: user, details: { upgrade: 'oauth_client', clientId: client.clientId } });

    // Upgraded once: the view offers it no more, and a stale dialog is refused.
    const againMark = slack.recorder.mark();
    await slack.interaction(
      blockActions(user, keyMenuPick('Upgrade to v3', `upgrade:${old.id}`), {
        view: withId({ blocks: [] }, 'V0HOME'),
      }),
    );
    const notice = (await slack.recorder.waitFor(againMark, 'views.open')).body.view as View;
    expect(notice).toMatchObject({ title: { text: 'Cannot Upgrade' } });
    // Named as people read keys, the client it became by its client id; no row ids or ISO times.
    expect(JSON.stringify(notice)).toContain(`was upgraded to *Legacy for Slack upgrade*`);
    expect(JSON.stringify(notice)).toContain(client.clientId as string);
    expect(JSON.stringify(notice)).not.toContain(old.id);
    expect(JSON.stringify(notice)).not.toMatch(/\d{4}-\d\d-\d\dT/);
  });

  it('Upgrade to v3 clicked on a stale view of a client, a revoked or an expired key says why by its name', async () => {
    const user = await admin();
    const client = await rt.keys.create({ actor: user, kind: 'oauth_client', description: 'Stale client' });
    const revoked = await rt.keys.create({ actor: user, description: 'Stale revoked', grants: ['GET /v1/users'] });
    const expired = await rt.keys.create({ actor: user, description: 'Stale expired', grants: ['GET /v1/users'] });
    for (const made of [client, revoked, expired]) recordCanary(made.secret);
    await rt.keys.revoke(revoked.key.id, { actor: user, reason: 'partner left' });
    await rt.db.sql`update api_keys set expires_at = now() - interval '1 hour' where id = ${expired.key.id}`;
    const notices: string[] = [];
    for (const { key } of [client, revoked, expired]) {
      const mark = slack.recorder.mark();
      await slack.interaction(
        blockActions(
          user,
          { type: 'button', action_id: 'key.upgrade', block_id: 'b', value: key.id },
          { view: withId({ blocks: [] }, 'V0STALEVIEW') },
        ),
      );
      const notice = (await slack.recorder.waitFor(mark, 'views.push')).body.view as View;
      expect(notice).toMatchObject({ title: { text: 'Cannot Upgrade' } });
      expect(JSON.stringify(notice)).not.toContain(key.id);
      notices.push(JSON.stringify(notice));
    }
    expect(notices[0]).toContain(`*Stale client* \`…${client.key.hint}\` · _v3 client_ \`${client.key.clientId}\``);
    expect(notices[0]).toContain('is a Harvest v3 client already');
    expect(notices[1]).toContain('*Stale revoked*');
    expect(notices[1]).toContain('is revoked: only a working key is upgraded');
    expect(notices[2]).toContain('has expired: only a working key is upgraded');
  });

  it('a message key menu offers Upgrade to v3 for a working key, not for a client', async () => {
    const user = await admin();
    const key = await rt.keys.create({ actor: user, description: 'Listed key upgrade', grants: ['GET /v1/users'] });
    recordCanary(key.secret);
    const mark = slack.recorder.mark();
    await slack.command(user, `show ${key.key.id}`);
    const answer = await slack.recorder.waitFor(mark, 'response_url');
    expect(answer.raw).toContain(`upgrade:${key.key.id}`);
    const client = await rt.keys.create({ actor: user, kind: 'oauth_client', description: 'Listed client' });
    recordCanary(client.secret);
    const clientMark = slack.recorder.mark();
    await slack.command(user, `show ${client.key.id}`);
    const shown = await slack.recorder.waitFor(clientMark, 'response_url');
    expect(shown.raw).not.toContain(`upgrade:${client.key.id}`);
    expect(shown.raw).toContain(client.key.clientId as string);
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
