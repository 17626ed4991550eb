import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Partner } from '../../src/partners/types.ts';
import { aPartnerName } from '../fixtures/actors.ts';
import { createGnupgHome, type GnupgHome } from '../helpers/gnupg.ts';
import { scratchDataDir } from '../helpers/processes.ts';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { blockActions, keyMenuPick, viewSubmission } from '../helpers/slack-payloads.ts';
import { recordCanary } from '../helpers/secret-canary.ts';
import { secretSightings, type SlackTraffic } from '../helpers/slack-traffic.ts';

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };

const dataDir = scratchDataDir();
const { rt, slack, logs, admin } = slackSuite({
  logLevel: 'trace',
  logRuntime: true,
  env: { DATA_DIR: dataDir, OAUTH_ISSUER: 'https://api.example.com' },
});
let gpg: GnupgHome;
let fingerprint: string;

beforeAll(async () => {
  gpg = await createGnupgHome();
  fingerprint = await gpg.generate('Partner <p@partner.example>', 'future-default', 'default', 'never');
  expect((await gpg.run(['--batch', '--import'], (await rt.serviceKey.get()).publicArmored)).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await gpg?.dispose();
  await rm(dataDir, { recursive: true, force: true });
});

let contacts = 0;
async function readyPartner(user: string): Promise<{ partner: Partner; contact: string }> {
  const contact = `U0V3CONTACT${++contacts}`;
  const partner = await rt.partners.create({ actor: user, name: aPartnerName(), contacts: [contact] });
  await rt.partnerPgp.setPgpKey(partner.id, await gpg.exportPublic(fingerprint), user, {
    confirmFingerprint: fingerprint,
  });
  return { partner, contact };
}

function armoredFrom(post: SlackTraffic): string {
  const match = /```(-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----)```/.exec(
    JSON.stringify(post.body.blocks).replace(/\\n/g, '\n'),
  );
  if (match === null) throw new Error('no armored message in the DM');
  return match[1] as string;
}

/** Upgrade to v3 from a message's key menu, with the dialog's defaults (7 days, encrypted to the first contact). */
async function upgradeThroughSlack(user: string, keyId: string, viewId: string) {
  let mark = slack.recorder.mark();
  await slack.interaction(
    blockActions(user, keyMenuPick('Upgrade to v3', `upgrade:${keyId}`), { view: { id: 'V0HOME', blocks: [] } }),
  );
  const dialog = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: viewId };
  expect(JSON.stringify(dialog)).toContain('Send encrypted to');
  mark = slack.recorder.mark();
  const answer = (await slack.interaction(viewSubmission(user, dialog))).json() as { view: View };
  const result = await slack.recorder.waitFor(mark, 'views.update', (t) => t.body.view_id === viewId);
  return { mark, answer, result };
}

describe('Upgrade to v3 handed over encrypted', () => {
  it('sends the client id and secret to the partner contact, which GnuPG decrypts; the key ends in 7 days', async () => {
    const user = await admin();
    const { partner, contact } = await readyPartner(user);
    const key = await rt.keys.create({ actor: user, partner: partner.id, grants: ['GET /v1/users'] });
    recordCanary(key.secret);
    const { mark, answer, result } = await upgradeThroughSlack(user, key.key.id, 'V0UPGRADE1');
    expect(answer.view).toMatchObject({ title: { text: 'Sending v3 Client' } });
    expect(result.raw).toContain('v3 Client Sent');

    const old = await rt.keys.get(key.key.id);
    const client = await rt.keys.get(old.replacedBy as string);
    expect(client).toMatchObject({ kind: 'oauth_client', permissions: ['GET /v1/users'], partnerId: partner.id });
    expect(old.revokeAt).not.toBeNull();

    const post = slack.recorder.since(mark, 'chat.postMessage').find((t) => t.body.channel === `D${contact}`)!;
    expect(JSON.stringify(post.body)).toContain('Harvest v3 (OAuth) client credentials');
    expect(JSON.stringify(post.body)).toContain(client.clientId as string);
    const decrypted = await gpg.run(['--batch', '--decrypt'], armoredFrom(post));
    expect(decrypted.code).toBe(0);
    expect(decrypted.status).toMatch(/GOODSIG [0-9A-F]{16} harvest-keys key delivery/);
    expect(decrypted.stdout).toContain(`client_id=${client.clientId}`);
    expect(decrypted.stdout).toContain('https://api.example.com/oauth/token');
    const secret = /^client_secret=(\S+)$/m.exec(decrypted.stdout)?.[1] as string;
    slack.recorder.markDelivered(secret);
    expect(await rt.keys.check(secret, 'GET', '/v1/users')).toMatchObject({
      outcome: 'client_secret',
      key: { id: client.id },
    });
    // Delivered: shown to nobody in Slack, not even once.
    expect(secretSightings(slack.recorder.traffic, logs.text()).filter((s) => s.secret === secret)).toEqual([]);
  });

  it('a failed hand-over revokes the client and leaves the key as it was: working, not replaced, upgradeable again', async () => {
    const user = await admin();
    const { partner } = await readyPartner(user);
    const key = await rt.keys.create({ actor: user, partner: partner.id, grants: ['GET /v1/users'] });
    recordCanary(key.secret);
    slack.recorder.failNext('conversations.open', { error: 'user_not_found' });
    const { result } = await upgradeThroughSlack(user, key.key.id, 'V0UPGRADE2');
    expect(result.raw).toContain('v3 Client Not Sent');
    expect(result.raw).toContain('keeps working as before, with no end scheduled: to try again, upgrade it again.');

    const old = await rt.keys.get(key.key.id);
    expect(old).toMatchObject({ status: 'active', revokeAt: null, replacedBy: null });
    const { keys: all } = await rt.keys.list({ partnerId: partner.id });
    const client = all.find((k) => k.kind === 'oauth_client')!;
    expect(client.status).toBe('revoked');
    expect(await rt.keys.check(key.secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });

    const events = await rt.store.audit.list({ keyId: key.key.id });
    const abandoned = events.find((e) => e.action === 'key.replacement_abandoned');
    expect(abandoned).toMatchObject({
      actor: 'system',
      details: { abandoned: client.id },
      before: { revokeAt: expect.any(String) },
      after: { revokeAt: null, status: 'active' },
    });
    expect(String(abandoned?.details?.reason)).toContain(`${client.id} was not handed over`);

    // Neither the key's View nor the list names the dead client as its successor.
    const viewMark = slack.recorder.mark();
    await slack.interaction(
      blockActions(user, keyMenuPick('View', `view:${key.key.id}`), {
        message: { text: 'keys', blocks: [] },
        responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/view',
      }),
    );
    const viewed = await slack.recorder.waitFor(viewMark, 'views.open');
    expect(viewed.raw).not.toContain('Replaced by');
    expect(viewed.raw).toContain('Upgrade to v3');
    const listMark = slack.recorder.mark();
    await slack.command(user, `list ${key.key.id}`);
    const list = await slack.recorder.waitFor(listMark, 'response_url');
    expect(list.raw).not.toContain('Replaced by');

    // The retry is the same Upgrade to v3, and this time the client arrives and becomes the key's successor.
    const again = await upgradeThroughSlack(user, key.key.id, 'V0UPGRADE3');
    expect(again.result.raw).toContain('v3 Client Sent');
    const upgraded = await rt.keys.get(key.key.id);
    expect(upgraded.replacedBy).not.toBeNull();
    expect(upgraded.replacedBy).not.toBe(client.id);
    expect(upgraded.revokeAt).not.toBeNull();
  });
});

describe('what left the app', () => {
  it('acknowledges every button, menu and dispatching input it drew', async () => {
    expect(await unacknowledgedActions(slack)).toEqual([]);
  });

  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });

  it('a delivered secret is in no Slack body and no log line', () => {
    expect(secretSightings(slack.recorder.traffic, logs.text()).filter((s) => s.where !== 'show-once')).toEqual([]);
  });
});
