import { afterAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/compose.ts';
import { createLogger } from '../../src/logger.ts';
import { createSlackApp, type SlackApp } from '../../src/slack/app.ts';
import { aPartnerName } from '../fixtures/actors.ts';
import { assertValidSurface } from '../helpers/block-kit-validator.ts';
import { blockActions, findElement, initialState, viewSubmission } from '../helpers/slack-payloads.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import type { SlackTraffic } from '../helpers/slack-traffic.ts';

const ALERTS = 'C0ALERTSCHAN';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const { rt, slack, admin, userWith } = slackSuite({
  logLevel: 'info',
  env: { ALERTS_CHANNEL: ALERTS, EXPIRY_REMINDER_DAYS: '7,1' },
});

/** Other instances of the service (and restarts): their own runtime over the same database, their own Slack app. */
const instances: { runtime: Runtime; app: SlackApp }[] = [];
afterAll(async () => {
  for (const { runtime } of instances) await runtime.close();
});

async function anotherInstance(): Promise<SlackApp> {
  const runtime = await openRuntime(rt.config, createLogger('silent'), { migrate: false });
  // Not started: sweeps need only its Web API client, which the suite's nock answers like Slack.
  const app = createSlackApp({
    config: slack.config,
    services: runtime.slack,
    logger: createLogger('silent'),
    botIdentity: { botId: 'B0TEST', botUserId: 'U0BOTUSER' },
    retryConfig: { retries: 0 },
  });
  instances.push({ runtime, app });
  return app;
}

let contactSequence = 0;
const aContact = () => `U0CONTACT${(++contactSequence).toString().padStart(3, '0')}`;

async function expiringKey(input: {
  endsIn: number;
  actor?: string;
  contacts?: string[];
  description?: string;
  partnerName?: string;
}) {
  const actor = input.actor ?? (await admin());
  const partner = await rt.partners.create({
    actor: 'test',
    name: input.partnerName ?? aPartnerName(),
    contacts: input.contacts ?? [],
  });
  const { key } = await rt.keys.create({
    actor,
    partner: partner.id,
    description: input.description ?? `Reminded ${partner.name}`,
    grants: ['GET /v1/users'],
    expiresAt: new Date(Date.now() + input.endsIn),
  });
  return { key, actor, partner };
}

/** The chat.postMessage calls since `mark` that name the key (by id in the notice, by its last characters in DMs). */
function postsAbout(mark: number, key: { id: string; hint: string }): SlackTraffic[] {
  return slack.recorder
    .since(mark, 'chat.postMessage')
    .filter((t) => t.raw.includes(key.id) || t.raw.includes(`…${key.hint}`));
}

const to = (posts: SlackTraffic[], channel: string) => posts.filter((t) => t.body.channel === channel);

async function claimsOf(keyId: string): Promise<string[]> {
  const rows = await rt.db.sql<{ alert_key: string }[]>`
    select alert_key from alert_claims where alert_key like ${`expiry:${keyId}:%`} order by alert_key`;
  return rows.map((r) => r.alert_key);
}

/** A click on a reminder's button, in the alerts channel (or a DM) where the message was posted. */
function clickOn(post: SlackTraffic, userId: string, actionId: string, channel = ALERTS) {
  const message: Record<string, unknown> = { ...post.body, ts: '1700000000.000100' };
  const { block, element } = findElement(message, actionId);
  const payload = blockActions(
    userId,
    { type: 'button', action_id: actionId, block_id: block.block_id as string, value: element.value as string },
    { message, responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/reminder' },
  );
  return slack.interaction({
    ...payload,
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: channel, is_ephemeral: false },
    channel: { id: channel, name: 'alerts' },
  });
}

describe('expiry reminders', () => {
  it('posts one notice per key and threshold however many instances sweep, and DMs the creator and each partner contact once', async () => {
    const contacts = [aContact(), aContact()];
    const { key, actor } = await expiringKey({ endsIn: 5 * DAY + HOUR, contacts });
    const other = await anotherInstance();
    const mark = slack.recorder.mark();
    await Promise.all([slack.runAlertSweeps(), other.runAlertSweeps(), slack.runAlertSweeps()]);
    await other.runAlertSweeps();

    const posts = postsAbout(mark, key);
    const notices = to(posts, ALERTS);
    expect(notices).toHaveLength(1);
    expect(to(posts, actor)).toHaveLength(1);
    for (const contact of contacts) expect(to(posts, contact)).toHaveLength(1);
    expect(posts).toHaveLength(4);
    for (const post of posts) assertValidSurface('message', post.body);

    const notice = notices[0] as SlackTraffic;
    expect(String(notice.body.text)).toContain('expires in 5 days (<!date^');
    expect(notice.raw).toContain('Sent as the key came within 7 days of its end');
    expect(findElement(notice.body, 'reminder.replace').element.value).toBe(`${key.id}:${key.expiresAt?.getTime()}`);
    expect(findElement(notice.body, 'reminder.extend').element.value).toBe(`${key.id}:${key.expiresAt?.getTime()}`);
    // The creator can act on it; a partner contact is told whom to ask, with no buttons.
    expect(to(posts, actor)[0]?.raw).toContain('reminder.extend');
    const contactDm = to(posts, contacts[0] as string)[0] as SlackTraffic;
    expect(contactDm.raw).not.toContain('reminder.');
    expect(String(contactDm.body.text)).toContain('expires in 5 days');
    expect(contactDm.raw).toContain(`Ask <@${actor}>, who created it`);
    expect(await claimsOf(key.id)).toHaveLength(4);
  });

  it('sends nothing again after a restart: the claims are in the database', async () => {
    const { key } = await expiringKey({ endsIn: 3 * DAY, contacts: [aContact()] });
    await slack.runAlertSweeps();
    const restarted = await anotherInstance();
    const mark = slack.recorder.mark();
    await restarted.runAlertSweeps();
    await slack.runAlertSweeps();
    expect(postsAbout(mark, key)).toEqual([]);
  });

  it('sends only the nearest threshold when a key is first seen past several, and settles the farther ones', async () => {
    const { key, actor } = await expiringKey({ endsIn: 20 * HOUR });
    const mark = slack.recorder.mark();
    await slack.runAlertSweeps();
    await slack.runAlertSweeps();
    const posts = postsAbout(mark, key);
    expect(to(posts, ALERTS)).toHaveLength(1);
    expect(to(posts, actor)).toHaveLength(1);
    expect(to(posts, ALERTS)[0]?.raw).toContain('Sent as the key came within 1 day of its end');
    expect(String(to(posts, ALERTS)[0]?.body.text)).toMatch(/expires in (19|20) hours/);
    const at = key.expiresAt?.toISOString();
    expect(await claimsOf(key.id)).toEqual([
      `expiry:${key.id}:${at}:1d`,
      `expiry:${key.id}:${at}:1d:dm:${actor}`,
      `expiry:${key.id}:${at}:7d`,
      `expiry:${key.id}:${at}:7d:dm:${actor}`,
    ]);
  });

  it('reminds again after an extension moves the expiry into a new cycle', async () => {
    const { key, actor } = await expiringKey({ endsIn: 2 * DAY });
    await slack.runAlertSweeps();
    const extended = await rt.keys.edit(key.id, { actor: 'cli:test', expiresAt: new Date(Date.now() + 6 * DAY) });
    const mark = slack.recorder.mark();
    await slack.runAlertSweeps();
    await slack.runAlertSweeps();
    const posts = postsAbout(mark, key);
    expect(to(posts, ALERTS)).toHaveLength(1);
    expect(to(posts, actor)).toHaveLength(1);
    expect(findElement(to(posts, ALERTS)[0]?.body ?? {}, 'reminder.extend').element.value).toBe(
      `${key.id}:${extended.key.expiresAt?.getTime()}`,
    );
  });

  it('leaves out revoked, replaced, far-off and never-expiring keys, and keys created from the CLI get no creator DM', async () => {
    const revoked = (await expiringKey({ endsIn: 3 * DAY })).key;
    await rt.keys.revoke(revoked.id, { actor: 'cli:test' });
    const replaced = (await expiringKey({ endsIn: 3 * DAY })).key;
    await rt.keys.replace(replaced.id, { actor: 'cli:test', graceSeconds: 3600 });
    const farOff = (await expiringKey({ endsIn: 30 * DAY })).key;
    const never = (await rt.keys.create({ actor: await admin(), description: 'Never ends', grants: [] })).key;
    expect(never.expiresAt).toBeNull();
    const contact = aContact();
    const fromCli = await expiringKey({ endsIn: 4 * DAY, actor: 'cli:alice', contacts: [contact] });
    const mark = slack.recorder.mark();
    await slack.runAlertSweeps();
    for (const key of [revoked, replaced, farOff, never]) expect(postsAbout(mark, key)).toEqual([]);
    const posts = postsAbout(mark, fromCli.key);
    expect(posts.map((p) => p.body.channel).sort()).toEqual([ALERTS, contact].sort());
    expect(posts.find((p) => p.body.channel === contact)?.raw).toContain('Ask the team that gave it to you');
  });

  it('tries a notice Slack refused for a moment again on the next sweep', async () => {
    const { key, actor } = await expiringKey({ endsIn: 4 * DAY });
    // The sweep's first post is this key's notice (every earlier key's reminders are claimed already).
    slack.recorder.failNext('chat.postMessage', { error: 'internal_error' });
    const mark = slack.recorder.mark();
    await slack.runAlertSweeps();
    expect(await claimsOf(key.id)).toEqual([`expiry:${key.id}:${key.expiresAt?.toISOString()}:7d:dm:${actor}`]);
    await slack.runAlertSweeps();
    await slack.runAlertSweeps();
    const posts = postsAbout(mark, key);
    expect(to(posts, ALERTS)).toHaveLength(2);
    expect(to(posts, actor)).toHaveLength(1);
    expect(await claimsOf(key.id)).toHaveLength(2);
  });

  it('gives up a DM Slack can never deliver instead of retrying it every minute', async () => {
    const contact = aContact();
    const { key } = await expiringKey({ endsIn: 4 * DAY, actor: 'cli:bob', contacts: [contact] });
    // Its notice is sent already, so the sweep's first post is the contact's DM.
    await rt.db
      .sql`insert into alert_claims (alert_key) values (${`expiry:${key.id}:${key.expiresAt?.toISOString()}:7d`})`;
    slack.recorder.failNext('chat.postMessage', { error: 'user_not_found' });
    const mark = slack.recorder.mark();
    await slack.runAlertSweeps();
    await slack.runAlertSweeps();
    expect(to(postsAbout(mark, key), contact)).toHaveLength(1);
    expect(await claimsOf(key.id)).toContain(`expiry:${key.id}:${key.expiresAt?.toISOString()}:7d:dm:${contact}`);
  });

  it('escapes the description and partner name people typed', async () => {
    const { key } = await expiringKey({
      endsIn: 3 * DAY,
      description: 'Ping <!channel> & <@U0BOSS> *now*',
      partnerName: `Evil <!here> ${aPartnerName()}`,
    });
    const mark = slack.recorder.mark();
    await slack.runAlertSweeps();
    const notice = to(postsAbout(mark, key), ALERTS)[0] as SlackTraffic;
    const shown = JSON.stringify([notice.body.text, notice.body.blocks]);
    expect(shown).toContain('Ping &lt;!channel&gt; &amp; &lt;@U0BOSS&gt;');
    expect(shown).toContain('Evil &lt;!here&gt;');
    expect(shown).not.toMatch(/<!channel>|<!here>|<@U0BOSS>/);
  });
});

describe('reminder buttons', () => {
  async function reminded(endsIn = 3 * DAY) {
    const made = await expiringKey({ endsIn });
    const mark = slack.recorder.mark();
    await slack.runAlertSweeps();
    const notice = to(postsAbout(mark, made.key), ALERTS)[0] as SlackTraffic;
    return { ...made, notice };
  }

  it('refuses people without the admin role, naming the admins, and changes nothing', async () => {
    const { key, notice } = await reminded();
    const approver = await userWith('approver');
    for (const button of ['reminder.extend', 'reminder.replace']) {
      const mark = slack.recorder.mark();
      await clickOn(notice, approver, button);
      const told = await slack.recorder.waitFor(mark, 'chat.postEphemeral');
      expect(told.body).toMatchObject({ channel: ALERTS, user: approver });
      expect(String(told.body.text)).toMatch(/only admins can do that, so nothing was changed.*<@U0ADMIN\d+>/);
      await slack.recorder.settled();
      expect(slack.recorder.since(mark, 'views.open')).toEqual([]);
    }
    expect((await rt.keys.get(key.id)).version).toBe(key.version);
  });

  it('Extend opens a dialog of later expiries and applies the choice; the old button then says it was extended', async () => {
    const { key, actor, notice } = await reminded();
    let mark = slack.recorder.mark();
    await clickOn(notice, actor, 'reminder.extend');
    const opened = await slack.recorder.waitFor(mark, 'views.open');
    const dialog = { ...(opened.body.view as Record<string, unknown> & { blocks: Record<string, unknown>[] }) };
    assertValidSurface('modal', dialog);
    expect(dialog.callback_id).toBe('key.extend');
    const select = (dialog.blocks.find((b) => b.block_id === 'expires') as { element: Record<string, unknown> })
      .element as { options: { value: string }[]; initial_option: { value: string } };
    expect(select.options.map((o) => o.value)).toEqual(['none', '30', '90', '180', '365']);
    expect(select.initial_option.value).toBe('90');

    const values = {
      ...initialState(dialog),
      expires: {
        value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: '30' }, value: '30' } },
      },
    };
    const answer = (await slack.interaction(viewSubmission(actor, { ...dialog, id: 'V0EXTEND' }, values))).json() as {
      view: { title: { text: string } };
    };
    expect(answer.view.title.text).toBe('Extended');
    assertValidSurface('modal', answer.view);
    const after = await rt.keys.get(key.id);
    expect(Math.abs((after.expiresAt?.getTime() ?? 0) - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
    const audit = await rt.db.sql<{ details: { expiry: { extended: boolean } } }[]>`
      select details from audit_events where key_id = ${key.id} and action = 'key.edited'`;
    expect(audit.map((a) => a.details.expiry.extended)).toEqual([true]);

    mark = slack.recorder.mark();
    await clickOn(notice, actor, 'reminder.extend');
    const stale = await slack.recorder.waitFor(mark, 'chat.postEphemeral');
    expect(String(stale.body.text)).toMatch(/was already extended: it now expires in (29|30) days.*out of date/);
    await slack.recorder.settled();
    expect(slack.recorder.since(mark, 'views.open')).toEqual([]);
  });

  it('Replace opens the key’s Replace dialog; on a revoked key it says the reminder is out of date', async () => {
    const { key, actor, notice } = await reminded();
    let mark = slack.recorder.mark();
    await clickOn(notice, actor, 'reminder.replace');
    const opened = await slack.recorder.waitFor(mark, 'views.open');
    expect(opened.body.view).toMatchObject({
      callback_id: 'key.replace',
      private_metadata: JSON.stringify({ k: key.id }),
    });

    await rt.keys.revoke(key.id, { actor: 'cli:test' });
    mark = slack.recorder.mark();
    await clickOn(notice, actor, 'reminder.replace');
    const stale = await slack.recorder.waitFor(mark, 'chat.postEphemeral');
    expect(String(stale.body.text)).toContain('is already revoked. This reminder is out of date; nothing was changed.');
  });

  it('refuses an Extend submitted after someone else changed the key, without overwriting it', async () => {
    const { key, actor, notice } = await reminded();
    const mark = slack.recorder.mark();
    await clickOn(notice, actor, 'reminder.extend');
    const dialog = (await slack.recorder.waitFor(mark, 'views.open')).body.view as Record<string, unknown> & {
      blocks: Record<string, unknown>[];
    };
    await rt.keys.edit(key.id, { actor: 'cli:test', description: 'Renamed meanwhile' });
    const answer = (await slack.interaction(viewSubmission(actor, { ...dialog, id: 'V0EXTEND2' }))).json() as {
      view: { title: { text: string } };
    };
    expect(answer.view.title.text).toBe('Not Extended');
    expect((await rt.keys.get(key.id)).expiresAt?.getTime()).toBe(key.expiresAt?.getTime());
  });
});
