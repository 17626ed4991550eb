import { describe, expect, it } from 'vitest';
import { harvestCatalog } from '../../src/catalog/load-catalog.ts';
import { deliveredPlaintext, tokenCommand } from '../../src/keys/client-credentials.ts';
import { legacyRule } from '../../src/keys/legacy-rule.ts';
import { approvalCard } from '../../src/slack/blocks/approval-blocks.ts';
import { needsAttentionBlocks, weeklyDigest } from '../../src/slack/blocks/attention-blocks.ts';
import { deliveryMessage } from '../../src/slack/blocks/delivery-blocks.ts';
import { keyMenuOptions, keyRow } from '../../src/slack/blocks/key-row.ts';
import { keyDetailsMessage } from '../../src/slack/blocks/messages.ts';
import { keyViewModal } from '../../src/slack/blocks/navigation-views.ts';
import { replaceView } from '../../src/slack/blocks/replace-view.ts';
import { showOnceView } from '../../src/slack/blocks/show-once-views.ts';
import { upgradeView } from '../../src/slack/blocks/upgrade-view.ts';
import { keyName, keyNamePlain } from '../../src/slack/ui/format.ts';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import { assertValidSurface } from '../helpers/block-kit-validator.ts';
import { aKey, NASTY_DESCRIPTION } from '../fixtures/slack-edge-data.ts';

const catalog = harvestCatalog();
const rule = legacyRule(catalog, new Date('2017-01-18T00:00:00Z'));
const now = new Date('2026-12-01T00:00:00Z');
const usage = { lastUsedAt: new Date('2026-11-27T00:00:00Z'), allowedLast7Days: 3, deniedLast7Days: 0 };
const CLIENT_ID = 'hkc_AbCdEfGhIjKlMnOpQrStUvWx';
const SECRET = `hk_${'s'.repeat(38)}`;
const aClient = () =>
  aKey({ kind: 'oauth_client', clientId: CLIENT_ID, permissions: catalog.endpoints.map((e) => e.id) });

describe('a Harvest v3 client in Slack blocks', () => {
  it('is named with its kind and client id; a key as before', () => {
    const key = aKey({ hint: 'c2oD', description: 'Acme' });
    expect(keyName(key)).toBe('*Acme* `…c2oD`');
    expect(keyName({ ...key, clientId: CLIENT_ID })).toBe(`*Acme* \`…c2oD\` · _v3 client_ \`${CLIENT_ID}\``);
    expect(keyNamePlain({ ...key, clientId: CLIENT_ID })).toBe(`Acme …c2oD (v3 client ${CLIENT_ID})`);
  });

  it('a Home or list row names a client by its client id', () => {
    const row = JSON.stringify(keyRow(aClient(), now, true));
    expect(row).toContain(`_v3 client_ \`${CLIENT_ID}\``);
  });

  it('the weekly digest and Needs attention name a client by its client id, like its Home row', () => {
    const client = aClient();
    const attention = {
      idle: { items: [client], total: 1 },
      neverUsed: { items: [client], total: 1 },
      unconfirmed: {
        items: [
          {
            key: client,
            delivery: { id: 'dlv_1', keyId: client.id, contactSlackUserId: 'U0CONTACT', sentAt: now },
          },
        ],
        total: 1,
      },
    };
    const settings = { unusedKeyDays: 90, confirmHours: 72, week: '2026-W49' };
    const digest = weeklyDigest(attention, settings);
    const home = needsAttentionBlocks(attention, settings);
    for (const text of [JSON.stringify(digest.blocks), JSON.stringify(home)])
      expect(text.split(`_v3 client_ \`${CLIENT_ID}\``)).toHaveLength(4);
    assertValidSurface('message', digest);
  });

  it('a client’s Replace speaks of its old and new secret, in use or not, never of a key', () => {
    const inUse = replaceView(aClient(), usage, rule, undefined, { now });
    const unused = replaceView(aClient(), { ...usage, lastUsedAt: null, allowedLast7Days: 0 }, rule, undefined, {
      now,
    });
    for (const view of [inUse, unused]) {
      const text = JSON.stringify(view);
      expect(text).not.toMatch(/(old|new) key|This key/);
      expect(text).toContain('old secret');
    }
    expect(JSON.stringify(inUse)).toContain('*This client is in use*');
    // A key's as before.
    expect(JSON.stringify(replaceView(aKey(), usage, rule, undefined, { now }))).toContain('Revoke the old key');
  });

  it('show-once: client id and secret in copyable blocks, the token hint, within Block Kit limits', () => {
    const view = showOnceView({ key: aClient(), secret: SECRET, now, issuer: 'https://api.example.com' });
    assertValidSurface('modal', view);
    const text = JSON.stringify(view);
    expect(text).toContain(`\`\`\`${CLIENT_ID}\`\`\``);
    expect(text).toContain(`\`\`\`${SECRET}\`\`\``);
    expect(text).toContain(tokenCommand(CLIENT_ID, 'https://api.example.com').replace(/"/g, '\\"'));
    expect(view.private_metadata).not.toContain(SECRET);
    const replaced = showOnceView({
      key: aClient(),
      secret: SECRET,
      now,
      replaced: { ...aClient(), revokeAt: new Date(now.getTime() + 3600_000), replacedBy: 'key_x' },
    });
    assertValidSurface('modal', replaced);
    expect(JSON.stringify(replaced)).toContain('The client id stays the same');
    const upgraded = showOnceView({ key: aClient(), secret: SECRET, now, replaced: aKey({ replacedBy: 'key_x' }) });
    expect(upgraded.title).toMatchObject({ text: 'Upgraded to v3' });
  });

  it('key view, details, replace and upgrade dialogs and the delivery DM stay valid with a hostile description', () => {
    const client = aClient();
    assertValidSurface('modal', keyViewModal({ key: client, catalog, legacyRule: rule, now }));
    assertValidSurface('message', keyDetailsMessage({ key: client, catalog, legacyRule: rule, canManage: true, now }));
    assertValidSurface('modal', replaceView(client, usage, rule, undefined, { now }));
    const legacy = aKey({ legacy: true, createdAt: new Date('2016-01-01T00:00:00Z'), description: NASTY_DESCRIPTION });
    const view = upgradeView({
      plan: {
        key: legacy,
        permissions: rule.endpoints.map((e) => e.id),
        fromLegacy: rule.endpoints.length,
        expiresAt: null,
      },
      apiName: catalog.name,
      usage,
      legacyRule: rule,
      delivery: { ready: true, contacts: ['U0CONTACT1'] },
      hold: { approvalsRequired: 1 },
    });
    assertValidSurface('modal', view);
    expect(JSON.stringify(view)).toContain(`plus the ${rule.endpoints.length} legacy endpoints`);
    // Held, it is the client that waits, not "the new key".
    expect(JSON.stringify(view)).toContain('*Needs approval.* The new client is not applied');
    const dm = deliveryMessage({
      deliveryId: 'dlv_1',
      contactSlackUserId: 'U0CONTACT1',
      armoredMessage: '-----BEGIN PGP MESSAGE-----\nabc\n-----END PGP MESSAGE-----',
      recipientFingerprint: 'A'.repeat(40),
      recipientFingerprintFormatted: 'AAAA',
      signerFingerprint: 'B'.repeat(40),
      signerPublicKey: 'x',
      keyId: client.id,
      clientId: CLIENT_ID,
      description: NASTY_DESCRIPTION,
      partnerName: '<!here> Partner',
    });
    assertValidSurface('message', dm);
    expect(dm.text).toContain(`client id ${CLIENT_ID}`);
    expect(dm.text).not.toContain('<!here>');
  });

  it('a held create of a client and a held upgrade say so on the card', () => {
    const request = (payload: ApprovalRequest['payload']): ApprovalRequest => ({
      id: 'apr_1',
      action: 'create',
      keyId: null,
      keyVersion: null,
      payload,
      requestedBy: 'U0REQUESTER',
      requiredApprovals: 1,
      state: 'pending',
      createdAt: now,
      expiresAt: now,
      decidedAt: null,
      outcome: null,
      cardChannel: null,
      cardTs: null,
      decisions: [],
    });
    const base = { action: 'create' as const, description: 'D', partnerId: null, partnerName: null, permissions: [] };
    const created = approvalCard({ request: request({ ...base, kind: 'oauth_client' }), catalog, lastUsedAt: null });
    assertValidSurface('message', created);
    expect(JSON.stringify(created)).toContain('Create a new Harvest v3 (OAuth) client');
    const upgrade = approvalCard({
      request: request({ ...base, kind: 'oauth_client', upgrade: { graceSeconds: 604800 } }),
      catalog,
      lastUsedAt: null,
    });
    expect(JSON.stringify(upgrade)).toContain('Upgrade an API key to a Harvest v3 client');
    expect(JSON.stringify(upgrade)).toContain('keeps working 7 days after hand-over');
  });

  it('the key menu offers Upgrade to v3 only for a working plain key, and only where there is room', () => {
    const labels = (key: ReturnType<typeof aKey>, withView: boolean) =>
      keyMenuOptions(key, now, withView).map((o) => o.text.text);
    expect(labels(aKey(), false)).toContain('Upgrade to v3');
    expect(labels(aKey(), true)).not.toContain('Upgrade to v3');
    expect(labels(aKey(), true).length).toBeLessThanOrEqual(5);
    expect(labels(aKey(), false).length).toBeLessThanOrEqual(5);
    expect(labels(aClient(), false)).not.toContain('Upgrade to v3');
    expect(labels(aKey({ status: 'revoked' }), false)).not.toContain('Upgrade to v3');
    expect(labels(aKey({ replacedBy: 'key_y' }), false)).not.toContain('Upgrade to v3');
  });

  it('a delivered client is its id, its secret and the token command; a key its secret alone', () => {
    const text = deliveredPlaintext(
      { id: 'key_1', description: 'D', clientId: CLIENT_ID, partnerName: 'Acme' },
      SECRET,
      undefined,
    );
    expect(text).toContain(`client_id=${CLIENT_ID}\nclient_secret=${SECRET}\n`);
    expect(text).toContain('https://<your Harvest API gateway>/oauth/token');
    expect(
      deliveredPlaintext({ id: 'key_1', description: 'D', clientId: null, partnerName: 'Acme' }, SECRET, undefined),
    ).toBe(SECRET);
  });
});

describe('a key History after Upgrade to v3', () => {
  it('names the client the key was upgraded to, and the key a client upgrades', async () => {
    const { changeSummary } = await import('../../src/slack/blocks/history-view.ts');
    expect(
      changeSummary({ details: { replacedBy: 'key_client', upgrade: 'oauth_client', clientId: CLIENT_ID } }),
    ).toEqual([`upgraded to v3 client \`${CLIENT_ID}\` (\`key_client\`)`]);
    expect(changeSummary({ details: { upgrades: 'key_old', kind: 'oauth_client', clientId: CLIENT_ID } })).toEqual([
      'upgrade of `key_old`',
    ]);
    expect(changeSummary({ details: { replacedBy: 'key_next' } })).toEqual(['replaced by `key_next`']);
  });
});
