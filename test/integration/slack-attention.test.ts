import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/compose.ts';
import { loadConfig } from '../../src/config.ts';
import { createUsageSink } from '../../src/db/usage-store.ts';
import { createLogger } from '../../src/logger.ts';
import { createSlackApp, type SlackApp } from '../../src/slack/app.ts';
import { isoWeek } from '../../src/slack/alerts/weekly-digest.ts';
import { aPartnerName } from '../fixtures/actors.ts';
import { blockActions, findElement } from '../helpers/slack-payloads.ts';
import { TEST_PEPPER } from '../helpers/runtime.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import type { SlackTraffic } from '../helpers/slack-traffic.ts';

const ALERTS = 'C0ALERTS';
const { rt, slack, admin, userWith } = slackSuite({ env: { ALERTS_CHANNEL: ALERTS, ALERT_DENIED_BURST: '20' } });

const opened: { runtime: Runtime; app: SlackApp }[] = [];
afterAll(async () => {
  for (const { runtime } of opened) await runtime.close();
});

/** Another instance of the service on the same database: its own connections, claims and Slack app. */
async function secondInstance(): Promise<SlackApp> {
  const config = loadConfig({
    DATABASE_URL: rt.database.url,
    KEY_PEPPER: TEST_PEPPER,
    LOG_LEVEL: 'silent',
    APPROVAL_REQUIRED_FOR: 'none',
    ALERTS_CHANNEL: ALERTS,
  });
  const runtime = await openRuntime(config, createLogger('silent'), { migrate: false });
  const app = createSlackApp({
    config: slack.config,
    services: runtime.slack,
    logger: createLogger('silent'),
    botIdentity: { botId: 'B0TEST', botUserId: 'U0BOTUSER' },
    retryConfig: { retries: 0 },
  });
  opened.push({ runtime, app });
  return app;
}

const today = () => new Date().toISOString().slice(0, 10);

/** Denials /authz counted for a key on an endpoint, written the way its usage flush writes them. */
async function denials(keyId: string, endpointId: string, denied: number): Promise<void> {
  await createUsageSink(rt.db.sql).write({
    counts: [{ keyId, endpointId, day: today(), allowed: 0, denied }],
    lastUsed: [],
  });
}

/** The alerts posted to ALERTS_CHANNEL since `mark`. */
function alertsSince(mark: number): SlackTraffic[] {
  return slack.recorder.since(mark, 'chat.postMessage').filter((t) => t.body.channel === ALERTS);
}

async function sweep(): Promise<void> {
  await slack.runAlertSweeps();
  await slack.recorder.settled();
}

/** A click on a button of a channel message, as Slack sends it. */
function click(user: string, message: SlackTraffic, actionId: string) {
  const { block, element } = findElement(message.body as { blocks?: unknown }, actionId);
  return slack.interaction(
    blockActions(
      user,
      {
        type: 'button',
        action_id: actionId,
        block_id: String(block.block_id ?? 'b'),
        value: String(element.value),
      },
      { message: message.body, responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/alert' },
    ),
  );
}

describe('denial burst after a permission edit', () => {
  it('alerts once at ALERT_DENIED_BURST denials since the edit, not at one fewer, counting none from before it', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Payroll sync',
      grants: ['GET /v1/users', 'GET /v1/jobs'],
    });
    // Denied earlier today while still granted (a wrong network, say): the edit's snapshot keeps these out.
    await denials(key.id, 'GET /v1/users', 7);
    await rt.keys.edit(key.id, { actor: user, remove: ['GET /v1/users'] });
    await denials(key.id, 'GET /v1/users', 19);
    let mark = slack.recorder.mark();
    await sweep();
    expect(alertsSince(mark).filter((t) => t.raw.includes(key.id))).toEqual([]);

    await denials(key.id, 'GET /v1/users', 1);
    mark = slack.recorder.mark();
    await sweep();
    await sweep();
    const sent = alertsSince(mark).filter((t) => t.raw.includes(key.id));
    expect(sent).toHaveLength(1);
    const alert = sent[0]!;
    expect(alert.body.text).toContain('Payroll sync');
    expect(alert.raw).toContain('refused *20 times*');
    expect(alert.raw).toContain('GET /v1/users');
    expect(alert.raw).toContain(`<@${user}> removed that permission`);
    expect(findElement(alert.body as { blocks?: unknown }, 'alert.restore').element.value).toBe(
      `${key.id} GET /v1/users`,
    );
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });

  it('sends the alert once when two instances sweep at the same moment', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Twin sweep', grants: ['GET /v1/jobs'] });
    await rt.keys.edit(key.id, { actor: user, remove: ['GET /v1/jobs'] });
    await denials(key.id, 'GET /v1/jobs', 25);
    const other = await secondInstance();
    const mark = slack.recorder.mark();
    await Promise.all([slack.runAlertSweeps(), other.runAlertSweeps(), slack.runAlertSweeps()]);
    await slack.recorder.settled();
    expect(alertsSince(mark).filter((t) => t.raw.includes(key.id))).toHaveLength(1);
  });

  it('does not alert about denials of an endpoint the edit did not remove, nor once the permission is back', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Never had it', grants: ['GET /v1/jobs'] });
    await rt.keys.edit(key.id, { actor: user, remove: ['GET /v1/jobs'] });
    await denials(key.id, 'GET /v1/users', 50);
    await rt.keys.edit(key.id, { actor: user, add: ['GET /v1/jobs'] });
    await denials(key.id, 'GET /v1/jobs', 50);
    const mark = slack.recorder.mark();
    await sweep();
    expect(alertsSince(mark).filter((t) => t.raw.includes(key.id))).toEqual([]);
  });

  it('escapes the key description in the alert', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Ops <!channel> & <https://evil|x>',
      grants: ['GET /v1/offices'],
    });
    await rt.keys.edit(key.id, { actor: user, remove: ['GET /v1/offices'] });
    await denials(key.id, 'GET /v1/offices', 20);
    const mark = slack.recorder.mark();
    await sweep();
    const alert = alertsSince(mark).find((t) => t.raw.includes(key.id));
    if (alert === undefined) throw new Error('no alert');
    expect(alert.raw).toContain('Ops &lt;!channel&gt; &amp; &lt;https://evil|x&gt;');
    // Only plain_text (the button's confirmation) shows it as typed: Slack parses no mentions or links there.
    const mrkdwn = JSON.stringify([alert.body.text, (alert.body.blocks as unknown[]).slice(0, 2)]);
    expect(mrkdwn).not.toContain('<!channel>');
    expect(mrkdwn).not.toContain('<https://evil');
  });

  it('restores the permission for an admin who clicks Restore, and refuses anyone else', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Restorable', grants: ['GET /v1/offers'] });
    await rt.keys.edit(key.id, { actor: user, remove: ['GET /v1/offers'] });
    await denials(key.id, 'GET /v1/offers', 30);
    let mark = slack.recorder.mark();
    await sweep();
    const [alert] = alertsSince(mark).filter((t) => t.raw.includes(key.id));
    expect(alert).toBeDefined();

    const approver = await userWith('approver');
    mark = slack.recorder.mark();
    expect((await click(approver, alert!, 'alert.restore')).status).toBe(200);
    const refusal = await slack.recorder.waitFor(mark, 'chat.postEphemeral', (t) => t.body.user === approver);
    expect(String(refusal.body.text)).toContain('only admins can do that');
    expect((await rt.keys.get(key.id)).permissions).toEqual([]);

    const restorer = await admin();
    mark = slack.recorder.mark();
    expect((await click(restorer, alert!, 'alert.restore')).status).toBe(200);
    const told = await slack.recorder.waitFor(mark, 'chat.postEphemeral', (t) => t.body.user === restorer);
    expect(String(told.body.text)).toContain('Restored `GET /v1/offers`');
    const after = await rt.keys.get(key.id);
    expect(after.permissions).toEqual(['GET /v1/offers']);
    const [edit] = await rt.store.audit.list({ keyId: key.id, limit: 1 });
    expect(edit).toMatchObject({ actor: restorer, action: 'key.edited', details: { added: ['GET /v1/offers'] } });

    // A second click (or one on an old alert) changes nothing.
    mark = slack.recorder.mark();
    await click(restorer, alert!, 'alert.restore');
    const again = await slack.recorder.waitFor(mark, 'chat.postEphemeral', (t) => t.body.user === restorer);
    expect(String(again.body.text)).toContain('already; nothing changed');
    expect((await rt.keys.get(key.id)).version).toBe(after.version);
  });

  it('restores nothing on a key revoked or expired since the alert, and says so', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Gone since', grants: ['GET /v1/offices'] });
    await rt.keys.edit(key.id, { actor: user, remove: ['GET /v1/offices'] });
    await denials(key.id, 'GET /v1/offices', 30);
    let mark = slack.recorder.mark();
    await sweep();
    const [alert] = alertsSince(mark).filter((t) => t.raw.includes(key.id));
    expect(alert).toBeDefined();
    await rt.keys.revoke(key.id, { actor: user, reason: 'partner left' });
    const before = await rt.keys.get(key.id);

    const restorer = await admin();
    mark = slack.recorder.mark();
    expect((await click(restorer, alert!, 'alert.restore')).status).toBe(200);
    const told = await slack.recorder.waitFor(mark, 'chat.postEphemeral', (t) => t.body.user === restorer);
    expect(String(told.body.text)).toContain('is revoked');
    expect(String(told.body.text)).toContain('nothing changed');
    const after = await rt.keys.get(key.id);
    expect(after.permissions).toEqual([]);
    expect(after.version).toBe(before.version);
  });
});

describe('Restore on a key replaced since the alert', () => {
  it('changes nothing and names the replacement to restore it on, not the service’s refusal', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({ actor: user, description: 'Replaced since', grants: ['GET /v1/offices'] });
    await rt.keys.edit(key.id, { actor: user, remove: ['GET /v1/offices'] });
    await denials(key.id, 'GET /v1/offices', 30);
    let mark = slack.recorder.mark();
    await sweep();
    const [alert] = alertsSince(mark).filter((t) => t.raw.includes(key.id));
    expect(alert).toBeDefined();
    const { key: successor } = await rt.keys.replace(key.id, { actor: user, graceSeconds: 86_400 });

    mark = slack.recorder.mark();
    await click(user, alert!, 'alert.restore');
    const told = await slack.recorder.waitFor(mark, 'chat.postEphemeral', (t) => t.body.user === user);
    const text = String(told.body.text);
    expect(text).toContain(`*Replaced since* \`…${key.hint}\` was replaced by *Replaced since* \`…${successor.hint}\``);
    expect(text).toContain('nothing changed');
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect((await rt.keys.get(key.id)).permissions).toEqual([]);
  });
});

describe('weekly digest and Needs attention', () => {
  beforeEach(async () => {
    await rt.db.sql`delete from alert_claims where alert_key like 'digest:%'`;
  });

  /** One key of each kind the digest lists, and one recent key it must not. */
  async function seedKinds() {
    const user = await admin();
    const idle = (
      await rt.keys.create({ actor: user, description: `Idle ${aPartnerName()}`, grants: ['GET /v1/users'] })
    ).key;
    await rt.db.sql`update api_keys set last_used_at = now() - interval '100 days' where id = ${idle.id}`;
    const never = (
      await rt.keys.create({ actor: user, description: `Never ${aPartnerName()}`, grants: ['GET /v1/users'] })
    ).key;
    await rt.db.sql`update api_keys set created_at = now() - interval '20 days' where id = ${never.id}`;
    const fresh = (
      await rt.keys.create({ actor: user, description: `Fresh ${aPartnerName()}`, grants: ['GET /v1/users'] })
    ).key;
    await rt.db.sql`update api_keys set last_used_at = now() - interval '1 day' where id = ${fresh.id}`;
    const partner = await rt.partners.create({ actor: user, name: aPartnerName() });
    const delivered = (
      await rt.keys.create({ actor: user, description: `Delivered ${aPartnerName()}`, grants: ['GET /v1/users'] })
    ).key;
    await rt.db.sql`
      insert into deliveries (id, key_id, partner_id, contact_slack_user_id, status, created_by, sent_at)
      values (${`dlv_${delivered.id}`}, ${delivered.id}, ${partner.id}, 'U0CONTACT', 'sent', ${user}, now() - interval '100 hours')`;
    const revoked = (
      await rt.keys.create({ actor: user, description: `Revoked ${aPartnerName()}`, grants: ['GET /v1/users'] })
    ).key;
    await rt.db.sql`update api_keys set created_at = now() - interval '20 days' where id = ${revoked.id}`;
    await rt.keys.revoke(revoked.id, { actor: user });
    return { user, idle, never, fresh, delivered, revoked };
  }

  it('posts one digest a week listing unused, never-used and unconfirmed keys with Revoke buttons, over two instances', async () => {
    const { idle, never, fresh, delivered, revoked } = await seedKinds();
    const other = await secondInstance();
    const mark = slack.recorder.mark();
    await Promise.all([slack.runAlertSweeps(), other.runAlertSweeps()]);
    await sweep();
    const digests = alertsSince(mark).filter((t) => String(t.body.text).startsWith('Weekly API key digest'));
    expect(digests).toHaveLength(1);
    const digest = digests[0]!;
    expect(digest.body.text).toContain(isoWeek(new Date()));
    expect(digest.raw).toContain('not used for 90 days or more');
    expect(digest.raw).toContain('never used 14 days after creation');
    expect(digest.raw).toContain('not confirmed by the partner');
    for (const key of [idle, never, delivered]) {
      expect(digest.raw).toContain(key.description);
      expect(
        (digest.body.blocks as { accessory?: { action_id: string; value: string } }[]).some(
          (b) => b.accessory?.action_id === 'attention.revoke' && b.accessory.value === key.id,
        ),
      ).toBe(true);
    }
    expect(digest.raw).toContain('sent to <@U0CONTACT>');
    expect(digest.raw).not.toContain(fresh.description);
    expect(digest.raw).not.toContain(revoked.description);
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });

  it('sends no digest when nothing needs attention', async () => {
    // Every key that could be listed stops working: nothing is left to look at.
    await rt.db.sql`update api_keys set status = 'revoked', revoked_at = now(), revoked_by = 'test'`;
    const mark = slack.recorder.mark();
    await sweep();
    expect(alertsSince(mark).filter((t) => String(t.body.text).startsWith('Weekly API key digest'))).toEqual([]);
    expect((await rt.db.sql`select 1 from alert_claims where alert_key like 'digest:%'`).length).toBe(0);
  });

  it('opens the revoke dialog for an admin who clicks Revoke, and refuses a viewer', async () => {
    const { idle } = await seedKinds();
    const mark0 = slack.recorder.mark();
    await sweep();
    const [digest] = alertsSince(mark0).filter((t) => String(t.body.text).startsWith('Weekly API key digest'));
    expect(digest).toBeDefined();
    const row = (digest!.body.blocks as { block_id?: string; accessory?: { action_id: string; value: string } }[]).find(
      (b) => b.accessory?.value === idle.id,
    )!;
    const press = (user: string) =>
      slack.interaction(
        blockActions(
          user,
          { type: 'button', action_id: 'attention.revoke', block_id: row.block_id ?? 'b', value: idle.id },
          { message: digest!.body, responseUrl: 'https://hooks.slack.com/actions/T0TEST/2/digest' },
        ),
      );

    const viewer = await userWith('approver');
    let mark = slack.recorder.mark();
    await press(viewer);
    const refusal = await slack.recorder.waitFor(mark, 'chat.postEphemeral', (t) => t.body.user === viewer);
    expect(String(refusal.body.text)).toContain('only admins can do that');
    expect(slack.recorder.since(mark, 'views.open')).toEqual([]);

    const user = await admin();
    mark = slack.recorder.mark();
    await press(user);
    const dialog = await slack.recorder.waitFor(mark, 'views.open');
    expect(JSON.stringify(dialog.body.view)).toContain(idle.description);
    expect((dialog.body.view as { callback_id?: string; blocks: unknown[] }).blocks.length).toBeGreaterThan(0);
    expect(JSON.stringify(dialog.body.view)).toContain('key.revoke.confirm');
    expect((await rt.keys.get(idle.id)).status).toBe('active');
  });

  it('shows admins a bounded Needs attention section on the App Home, and approvers none', async () => {
    const seeded = [await seedKinds(), await seedKinds(), await seedKinds(), await seedKinds()];
    const user = await admin();
    let mark = slack.recorder.mark();
    await slack.event({ type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '1.1' });
    const home = await slack.recorder.waitFor(mark, 'views.publish', (t) => t.body.user_id === user);
    expect(home.raw).toMatch(/Needs attention \(\d+\)/);
    expect(home.raw).toContain('not used for 90 days or more');
    expect(home.raw).toContain('never used 14 days after creation');
    expect(home.raw).toContain('not confirmed by the partner');
    // Four of each kind were seeded; three of each are shown, with the rest counted.
    expect(home.raw).toContain('…and');
    const revokeButtons = (home.body.view as { blocks: { accessory?: { action_id: string } }[] }).blocks.filter(
      (b) => b.accessory?.action_id === 'attention.revoke',
    );
    expect(revokeButtons).toHaveLength(9);
    expect(home.raw).toContain(seeded[0]!.idle.description);
    expect(slack.recorder.blockKitProblems).toEqual([]);

    const approver = await userWith('approver');
    mark = slack.recorder.mark();
    await slack.event({ type: 'app_home_opened', user: approver, channel: 'D0HOME2', tab: 'home', event_ts: '1.2' });
    const theirs = await slack.recorder.waitFor(mark, 'views.publish', (t) => t.body.user_id === approver);
    expect(theirs.raw).not.toContain('Needs attention');
  });
});

describe('isoWeek', () => {
  it('numbers weeks from Monday with week 1 holding the first Thursday', () => {
    expect(isoWeek(new Date('2026-12-02T08:00:00Z'))).toBe('2026-W49');
    expect(isoWeek(new Date('2027-01-01T00:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(new Date('2024-12-30T12:00:00Z'))).toBe('2025-W01');
    expect(isoWeek(new Date('2026-01-04T23:59:59Z'))).toBe('2026-W01');
  });
});
