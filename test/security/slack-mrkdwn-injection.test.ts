import { generateKey } from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogFingerprint, Selection } from '../../src/slack/blocks/selection.ts';
import { createUsageSink } from '../../src/db/usage-store.ts';
import { ActionId, CallbackId } from '../../src/slack/ui/ids.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { type SlackHarness, startSlackHarness } from '../helpers/slack-harness.ts';
import { blockActions, viewSubmission } from '../helpers/slack-payloads.ts';
import type { SlackTraffic } from '../helpers/slack-traffic.ts';

/**
 * Every field a person types that Slack later shows, filled with mrkdwn that would notify, mention or link if it
 * were not escaped, then every surface that shows them opened. In each mrkdwn text object and each message `text`
 * fallback, `&`, `<` and `>` from the user must arrive escaped; plain_text fields are not parsed and may carry them.
 */
let rt: TestRuntime;
let slack: SlackHarness;
const logs = captureLogs('info');
const ADMIN = 'U0INJADMIN';
const APPROVER = 'U0INJAPPROVER';

// Each fits the field's limits (partner names: 80 characters).
const hostile = (tag: string) => `${tag} <!channel> <@U0VICTIM> <https://evil.example|click> *bold* A&amp;B`;
const DANGEROUS = ['<!channel>', '<@U0VICTIM>', '<https://evil.example', 'A&amp;B'];

beforeAll(async () => {
  rt = await createTestRuntime({
    env: {
      APPROVAL_REQUIRED_FOR: 'create',
      APPROVALS_CHANNEL: 'C0APPROVALS',
      ALERTS_CHANNEL: 'C0ALERTS',
      ALERT_DENIED_BURST: '5',
    },
  });
  slack = await startSlackHarness(rt, { logger: logs.logger });
  await rt.roles.grant(ADMIN, 'admin', 'test');
  await rt.roles.grant(APPROVER, 'approver', 'test');
});
afterAll(async () => {
  await slack?.close();
  await rt?.dispose();
});

/** Every string Slack parses as mrkdwn in a body: `mrkdwn` text objects and a message's top-level `text`. */
function mrkdwnTexts(item: SlackTraffic): string[] {
  const found: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (record.type === 'mrkdwn' && typeof record.text === 'string') found.push(record.text);
    for (const value of Object.values(record)) visit(value);
  };
  visit(item.body);
  const isMessage =
    item.kind === 'response_url' || ['chat.postMessage', 'chat.postEphemeral', 'chat.update'].includes(item.name);
  if (isMessage && typeof item.body.text === 'string' && item.body.mrkdwn !== false) found.push(item.body.text);
  return found;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('user text shown in Slack', () => {
  it('arrives escaped in every mrkdwn text and fallback of every surface that shows it', async () => {
    const mark = slack.recorder.mark();
    // Partner name, with a PGP key whose user ID is hostile too.
    const partner = await rt.partners.create({ actor: ADMIN, name: hostile('P'), contacts: ['U0CONTACT'] });
    const { publicKey } = await generateKey({
      type: 'ecc',
      userIDs: [{ name: hostile('UID').slice(0, 60), email: 'uid@example.com' }],
      format: 'armored',
    });
    await slack.interaction(
      viewSubmission(
        ADMIN,
        {
          type: 'modal',
          id: 'V0PGP',
          callback_id: CallbackId.partnerPgp,
          private_metadata: JSON.stringify({ pid: partner.id }),
          blocks: [],
        },
        { pgp_armored: { value: { type: 'plain_text_input', value: publicKey } } } as never,
      ),
    );
    // Key description, and a revoke reason typed at the CLI.
    const { key } = await rt.keys.create({
      actor: ADMIN,
      description: hostile('Desc'),
      partner: partner.id,
      grants: ['GET /v1/users'],
    });
    const { key: revoked } = await rt.keys.create({ actor: ADMIN, description: hostile('Revoked'), grants: [] });
    await rt.keys.revoke(revoked.id, { actor: ADMIN, reason: hostile('Reason') });

    // Surfaces: list (with a hostile search), show, Home (with a hostile search), edit, revoke, partners, partner form.
    await slack.command(ADMIN, 'list');
    await slack.command(ADMIN, `list ${hostile('Search')}`);
    await slack.command(ADMIN, `show ${key.id}`);
    await slack.command(ADMIN, `show ${revoked.id}`);
    await slack.command(ADMIN, `edit ${key.id}`);
    await slack.command(ADMIN, `revoke ${key.id}`);
    await slack.command(ADMIN, 'partners');
    await slack.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME', tab: 'home', event_ts: '1.1' });
    await slack.interaction(
      blockActions(
        ADMIN,
        { type: 'plain_text_input', action_id: ActionId.homeSearch, block_id: 'home_search', value: hostile('Home') },
        { view: { type: 'home', id: 'V0HOME', blocks: [] }, values: {} },
      ),
    );
    await slack.interaction(
      blockActions(
        ADMIN,
        { type: 'button', action_id: ActionId.partnerEdit, block_id: 'b', value: partner.id },
        { view: { type: 'modal', id: 'V0PARTNERS', callback_id: CallbackId.partners, blocks: [] }, values: {} },
      ),
    );

    // A held create names description and partner on the approval card; a deny reason goes back to the requester.
    const meta = {
      f: 'create',
      p: 0,
      r: 0,
      s: Selection.of(rt.catalog, []).encode(),
      c: catalogFingerprint(rt.catalog),
      partnerId: partner.id,
      pn: partner.name,
      ps: 0,
      d: hostile('Held'),
      dl: null,
      // No permissions, and the dialog already asked about that.
      z: 1,
    };
    await slack.interaction(
      viewSubmission(
        ADMIN,
        {
          type: 'modal',
          id: 'V0PERM',
          callback_id: CallbackId.permissions,
          private_metadata: JSON.stringify(meta),
          blocks: [],
        },
        {},
      ),
    );
    const card = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === 'C0APPROVALS');
    await slack.command(APPROVER, 'approvals');
    const [pending] = await rt.approvals.listPending();
    expect(pending).toBeDefined();
    await slack.interaction(
      viewSubmission(
        APPROVER,
        {
          type: 'modal',
          id: 'V0DENY',
          callback_id: CallbackId.approvalDeny,
          private_metadata: pending?.id ?? '',
          blocks: [],
        },
        { deny_reason: { value: { type: 'plain_text_input', value: hostile('Deny') } } } as never,
      ),
    );
    await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === ADMIN && t.raw.includes('Deny'));
    // A role removal whose user id was forged into the button value.
    await slack.interaction(
      blockActions(
        ADMIN,
        { type: 'button', action_id: ActionId.roleRemove, block_id: 'b', value: `U0X> <!channel> <@U0VICTIM|approver` },
        {
          view: {
            type: 'modal',
            id: 'V0ROLES',
            callback_id: CallbackId.roles,
            private_metadata: '{"r":0}',
            blocks: [],
          },
          values: {},
        },
      ),
    );
    await settle();

    const traffic = slack.recorder.since(mark);
    expect(card.raw).toContain('Held');
    const texts = traffic.flatMap((item) =>
      mrkdwnTexts(item).map((text) => ({ where: `${item.kind} ${item.name}`, text })),
    );
    // Not vacuous: each tag reached a mrkdwn text, escaped.
    for (const tag of ['P ', 'Desc ', 'Search ', 'Home ', 'Held ', 'Deny ', 'UID ']) {
      expect(
        texts.some((t) => t.text.includes(`${tag}&lt;!channel&gt;`)),
        `${tag.trim()} shown escaped somewhere`,
      ).toBe(true);
    }
    for (const { where, text } of texts) {
      for (const danger of DANGEROUS) expect(text, `${where}: ${text.slice(0, 200)}`).not.toContain(danger);
      expect(text, where).not.toMatch(/<!(channel|here|everyone)/);
    }
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });

  it('arrives escaped in the alerts: leak, expiry reminder, denial burst, weekly digest and Needs attention', async () => {
    const mark = slack.recorder.mark();
    const partner = await rt.partners.create({ actor: ADMIN, name: hostile('AP'), contacts: [ADMIN] });
    const create = (tag: string, extra: { expiresAt?: Date } = {}) =>
      rt.keys.create({
        actor: ADMIN,
        description: hostile(tag),
        partner: partner.id,
        grants: ['GET /v1/users'],
        ...extra,
      });
    // An expiry reminder (to ALERTS_CHANNEL, the creator and the partner's contacts).
    await create('Expiring', { expiresAt: new Date(Date.now() + 12 * 3_600_000) });
    // A denial burst after a permission was removed.
    const { key: burst } = await create('Burst');
    await rt.keys.edit(burst.id, { actor: ADMIN, remove: ['GET /v1/users'] });
    await createUsageSink(rt.db.sql).write({
      counts: [
        {
          keyId: burst.id,
          endpointId: 'GET /v1/users',
          day: new Date().toISOString().slice(0, 10),
          allowed: 0,
          denied: 9,
        },
      ],
      lastUsed: [],
    });
    // Unused for months: the weekly digest and the Home's Needs attention.
    const { key: idle } = await create('Idle');
    await rt.db.sql`update api_keys set last_used_at = now() - interval '100 days' where id = ${idle.id}`;
    await slack.runAlertSweeps();
    // A leak found by GitHub, with a hostile URL and source.
    const { key: leaked } = await create('Leaked');
    await slack.app.announceLeak({
      key: leaked,
      url: 'https://github.com/o/r/blob/x/.env?<!channel>',
      source: hostile('Src'),
      type: '<!here>',
      action: 'alert',
      revokedNow: false,
    });
    await slack.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME', tab: 'home', event_ts: '1.2' });
    await settle();

    const texts = slack.recorder
      .since(mark)
      .flatMap((item) => mrkdwnTexts(item).map((text) => ({ where: `${item.kind} ${item.name}`, text })));
    for (const tag of ['AP ', 'Expiring ', 'Burst ', 'Idle ', 'Leaked ', 'Src ']) {
      expect(
        texts.some((t) => t.text.includes(`${tag}&lt;!channel&gt;`)),
        `${tag.trim()} shown escaped somewhere`,
      ).toBe(true);
    }
    for (const { where, text } of texts) {
      for (const danger of DANGEROUS) expect(text, `${where}: ${text.slice(0, 200)}`).not.toContain(danger);
      expect(text, where).not.toMatch(/<!(channel|here|everyone)/);
    }
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });
});
