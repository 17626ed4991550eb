import { describe, expect, it } from 'vitest';
import { harvestCatalog } from '../../src/catalog/load-catalog.ts';
import type { Catalog } from '../../src/catalog/types.ts';
import { ADMIN_LIST_LIMIT, partnerFormView, partnersView, rolesView } from '../../src/slack/blocks/admin-views.ts';
import { escapeMrkdwn, truncate } from '../../src/slack/ui/escape.ts';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import { LIMITS, section } from '../../src/slack/blocks/kit.ts';
import {
  DIGEST_PER_KIND,
  denialBurstAlert,
  needsAttentionBlocks,
  weeklyDigest,
} from '../../src/slack/blocks/attention-blocks.ts';
import type { NeedsAttention } from '../../src/keys/attention.ts';
import { HOME_PAGE_SIZE, homeApprovalBlocks, homeNoAccessView, homeView } from '../../src/slack/blocks/home-view.ts';
import {
  approvalsModal,
  helpModal,
  keyViewModal,
  unknownCommandMessage,
} from '../../src/slack/blocks/navigation-views.ts';
import { createKeyView, permissionsView } from '../../src/slack/blocks/create-key-views.ts';
import { editConfirmView, editKeyView } from '../../src/slack/blocks/edit-key-views.ts';
import { enableView } from '../../src/slack/blocks/enable-view.ts';
import { noticeView } from '../../src/slack/blocks/notice-views.ts';
import { replaceView } from '../../src/slack/blocks/replace-view.ts';
import { legacyEndpointsView } from '../../src/slack/blocks/legacy-blocks.ts';
import { legacyRule } from '../../src/keys/legacy-rule.ts';
import { revokeView } from '../../src/slack/blocks/revoke-view.ts';
import {
  contactReminder,
  creatorReminder,
  expiryReminderNotice,
  extendView,
} from '../../src/slack/blocks/reminder-blocks.ts';
import { showOnceView, storedView } from '../../src/slack/blocks/show-once-views.ts';
import { helpMessage, keyDetailsMessage, keyListMessage, textMessage } from '../../src/slack/blocks/messages.ts';
import {
  GROUP_BLOCK_BUDGET,
  mergePickerState,
  pickerBlockId,
  planPages,
} from '../../src/slack/blocks/permission-picker.ts';
import { catalogFingerprint, Selection } from '../../src/slack/blocks/selection.ts';
import { type Surface, validateSurface } from '../helpers/block-kit-validator.ts';
import { encodeMeta } from '../../src/slack/flows/metadata.ts';
import { packNetworks } from '../../src/shared/networks.ts';
import { approvalsStatusBlocks } from '../../src/slack/blocks/approval-notice.ts';
import { aKey, aPartner, catalogOf500, catalogWithHugeGroup, NASTY_DESCRIPTION } from '../fixtures/slack-edge-data.ts';

const now = new Date('2026-11-28T12:00:00Z');

/** Hundreds of keys of every kind needing attention, each with the longest and nastiest text. */
function fullAttention(): NeedsAttention {
  const idle = Array.from({ length: DIGEST_PER_KIND }, () => aKey({ lastUsedAt: new Date('2026-01-01T00:00:00Z') }));
  const never = Array.from({ length: DIGEST_PER_KIND }, () => aKey({ createdBy: 'cli:<!channel> & *ops*' }));
  const delivered = Array.from({ length: DIGEST_PER_KIND }, (_, i) => ({
    delivery: { id: `dlv_${i}`, keyId: `key_${i}`, contactSlackUserId: 'U0CONTACT', sentAt: now },
    key: aKey(),
  }));
  return {
    idle: { items: idle, total: 480 },
    neverUsed: { items: never, total: 1200 },
    unconfirmed: { items: delivered, total: 75 },
  };
}
const usage = { lastUsedAt: new Date('2026-11-27T00:00:00Z'), allowedLast7Days: 1234, deniedLast7Days: 5 };
const catalogs: [string, Catalog][] = [
  ['Harvest (143)', harvestCatalog()],
  ['500 endpoints', catalogOf500()],
  ['one 1200-endpoint group', catalogWithHugeGroup()],
];

function expectValid(surface: Surface, payload: unknown): void {
  expect(validateSurface(surface, payload)).toEqual([]);
}

function everything(catalog: Catalog): Selection {
  const selection = Selection.empty(catalog.endpoints.length);
  for (let i = 0; i < catalog.endpoints.length; i++) selection.set(i, true);
  return selection;
}

/** The metadata a picker dialog would carry: the worst case is the largest selection plus a 255-character description. */
function pickerMeta(catalog: Catalog, selection: Selection, page: number) {
  return encodeMeta({
    f: 'edit',
    p: page,
    r: 12,
    s: selection.encode(),
    c: catalogFingerprint(catalog),
    k: 'key_000000000001',
    v: 3,
    d: NASTY_DESCRIPTION,
    u: [Date.now(), 123456, 7890],
  });
}

/** Fifty of the longest canonical networks a key may carry: full-length IPv6 addresses, each a /128. */
const LONGEST_NETWORKS = Array.from(
  { length: 50 },
  (_, i) => `fd${i.toString(16).padStart(2, '0')}:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128`,
);
/** Every character JSON has to escape, where a partner name may hold 80 of them. */
const QUOTED_PARTNER_NAME = '"'.repeat(80);

describe('dialog state at its largest', () => {
  it.each(catalogs)(
    'carries fifty IPv6 networks, the longest description and partner name and every endpoint of the %s catalog in create',
    (_, catalog) => {
      const metadata = encodeMeta({
        f: 'create',
        p: 0,
        r: 12,
        s: everything(catalog).encode(),
        c: catalogFingerprint(catalog),
        g: 41,
        q: 'x'.repeat(100),
        partnerId: 'prt_000000000001',
        pn: QUOTED_PARTNER_NAME,
        ps: 1200,
        d: NASTY_DESCRIPTION,
        dl: 'U0CONTACT01',
        z: 1,
        x: '365',
        n: packNetworks(LONGEST_NETWORKS),
      });
      expect(metadata.length).toBeLessThanOrEqual(3000);
    },
  );

  it.each(catalogs)('carries fifty IPv6 networks through the edit review of the %s catalog', (_, catalog) => {
    const metadata = encodeMeta({
      k: 'key_000000000001',
      v: 3,
      d: NASTY_DESCRIPTION,
      s: everything(catalog).encode(),
      c: catalogFingerprint(catalog),
      x: Date.now(),
      n: packNetworks(LONGEST_NETWORKS),
    });
    expect(metadata.length).toBeLessThanOrEqual(3000);
  });
});

describe('permission picker pages', () => {
  it.each(catalogs)('cover every endpoint of the %s catalog exactly once within the block budget', (_, catalog) => {
    const pages = planPages(catalog);
    const seen = pages.flatMap((page) => page.parts.flatMap((part) => part.chunks.flat()));
    expect(seen.sort((a, b) => a - b)).toEqual(catalog.endpoints.map((_, i) => i));
    for (const page of pages) {
      const blocks = page.parts.reduce((n, part) => n + 1 + part.chunks.length, 0);
      expect(blocks).toBeGreaterThan(0);
      expect(blocks).toBeLessThanOrEqual(GROUP_BLOCK_BUDGET);
      for (const part of page.parts) for (const chunk of part.chunks) expect(chunk.length).toBeLessThanOrEqual(10);
    }
  });

  it('fits the Harvest catalog on one page and splits a catalog only between groups unless a group is bigger than a page', () => {
    expect(planPages(harvestCatalog())).toHaveLength(1);
    const big = planPages(catalogOf500());
    expect(big.length).toBeGreaterThan(1);
    expect(big.flatMap((p) => p.parts).every((part) => !part.continued)).toBe(true);
    const huge = planPages(catalogWithHugeGroup());
    expect(huge.length).toBeGreaterThanOrEqual(2);
    expect(huge.slice(1).every((page) => page.parts.length === 1 && page.parts[0]!.continued)).toBe(true);
  });

  it.each(catalogs)(
    'draws valid views on every page of the %s catalog, all ticked, with metadata under 3000 characters',
    (_, catalog) => {
      const selection = everything(catalog);
      const key = aKey({ permissions: catalog.endpoints.map((e) => e.id), legacy: true });
      planPages(catalog).forEach((_, page) => {
        const metadata = pickerMeta(catalog, selection, page);
        expect(metadata.length).toBeLessThanOrEqual(3000);
        const views = [
          permissionsView({
            catalog,
            description: NASTY_DESCRIPTION,
            partnerName: aPartner(1).name,
            presetSize: 42,
            selection,
            page,
            revision: 7,
            privateMetadata: metadata,
          }),
          editKeyView({
            catalog,
            legacyRule: legacyRule(catalog, new Date('2017-01-18T00:00:00Z')),
            key: { ...key, legacy: true },
            usage,
            description: NASTY_DESCRIPTION,
            selection,
            page,
            revision: 7,
            now,
            privateMetadata: metadata,
          }),
          partnerFormView({
            catalog,
            partner: aPartner(2),
            name: aPartner(2).name,
            contacts: aPartner(2).contactSlackUserIds,
            selection,
            page,
            revision: 7,
            privateMetadata: metadata,
          }),
        ];
        for (const view of views) {
          expectValid('modal', view);
          expect(view.blocks.length).toBeLessThanOrEqual(100);
        }
      });
    },
  );

  it('reads ticks back from the view state and leaves other pages alone', () => {
    const catalog = catalogOf500();
    const selection = Selection.empty(500);
    selection.set(499, true);
    const page = planPages(catalog)[0]!;
    const part = page.parts[1]!;
    const chunk = part.chunks[0]!;
    const values = {
      [pickerBlockId(4, part.group, 0)]: { 'picker.check': { selected_options: [{ value: String(chunk[0]) }] } },
      'pk.3.0.0': { 'picker.check': { selected_options: [{ value: '0' }] } },
    };
    const merged = mergePickerState(catalog, selection, { page: 0, revision: 4 }, values);
    expect(merged.has(chunk[0]!)).toBe(true);
    expect(merged.has(499)).toBe(true);
    expect(merged.has(0)).toBe(false);
    expect(merged.count()).toBe(2);
    const again = Selection.decode(merged.encode(), 500)!;
    expect(again.endpointIds(catalog)).toEqual(merged.endpointIds(catalog));
    expect(Selection.decode(merged.encode(), 143)).toBeUndefined();
  });
});

describe('every view and message the app builds stays within Slack’s limits on edge data', () => {
  const catalog = catalogOf500();
  const key = aKey({ permissions: catalog.endpoints.map((e) => e.id), legacy: true });

  it('create dialog with few partners (static select) and with 150 (searched select)', () => {
    const few = Array.from({ length: 10 }, (_, i) => aPartner(i));
    const many = Array.from({ length: 150 }, (_, i) => aPartner(i));
    for (const partners of [few, many, []]) {
      const view = createKeyView({
        catalog,
        partners,
        partner: partners[3],
        description: NASTY_DESCRIPTION,
        revision: 2,
        privateMetadata: '{"r":2,"pid":null}',
      });
      expectValid('modal', view);
    }
    const select = createKeyView({
      catalog,
      partners: many,
      partner: undefined,
      description: undefined,
      revision: 0,
      privateMetadata: '{}',
    }).blocks[2] as { element: { type: string } };
    expect(select.element.type).toBe('external_select');
  });

  it('edit diff with every endpoint added or removed', () => {
    const ids = catalog.endpoints.map((e) => e.id);
    expectValid(
      'modal',
      editConfirmView({
        key,
        catalog,
        description: `${NASTY_DESCRIPTION.slice(0, 250)} v2`,
        added: ids,
        removed: ids,
        usage,
        now,
        privateMetadata: '{}',
      }),
    );
  });

  it('show-once, stored, revoke, re-enable, replace and notices', () => {
    const secret = `hk_${'A'.repeat(38)}`;
    expectValid('modal', showOnceView({ key, secret, now }));
    expectValid(
      'modal',
      showOnceView({ key, secret, replaced: aKey({ revokeAt: new Date('2026-12-01T00:00:00Z') }), now }),
    );
    expectValid('modal', storedView(key));
    expectValid('modal', revokeView(key, usage, now));
    expectValid('modal', revokeView(key, { lastUsedAt: null, allowedLast7Days: null, deniedLast7Days: null }, now));
    expectValid(
      'modal',
      enableView(
        aKey({ status: 'revoked', revokedAt: now, revokedBy: 'U0X', revokeReason: NASTY_DESCRIPTION }),
        usage,
        now,
      ),
    );
    const rule = legacyRule(harvestCatalog(), new Date('2017-01-18T00:00:00Z'));
    expectValid('modal', replaceView(key, usage, rule, undefined, { now }));
    expectValid('modal', replaceView({ ...key, legacy: true }, usage, rule, undefined, { now }));
    expectValid('modal', legacyEndpointsView(rule));
    expectValid('modal', replaceView(key, usage, rule, undefined, { now, hold: { approvalsRequired: 2 } }));
    const lost = aKey({ status: 'revoked', revokedAt: now, revokedBy: 'U0X', revokeReason: 'Lost or possibly leaked' });
    expectValid('modal', enableView(lost, usage, now, { hold: { approvalsRequired: 1 }, ackMissing: true }));
    for (const status of [
      { requiredFor: [], channel: undefined, approvalsRequired: 1, approvers: 0, command: '/hk' },
      { requiredFor: ['create', 'replace'], channel: undefined, approvalsRequired: 1, approvers: 0, command: '/hk' },
      { requiredFor: ['create'], channel: 'C0APPROVALS', approvalsRequired: 2, approvers: 1, command: '/hk' },
      { requiredFor: ['create'], channel: 'C0APPROVALS', approvalsRequired: 1, approvers: 3, command: '/hk' },
    ] as const) {
      const blocks = approvalsStatusBlocks(status);
      expect(blocks).toHaveLength(1);
      expectValid('home', { type: 'home', blocks });
    }
    expectValid('modal', noticeView('A title longer than twenty-four characters', escapeMrkdwn(NASTY_DESCRIPTION)));
  });

  it('App Home with 150 keys of 255-character descriptions, every filter, 99+ partners and 12 waiting requests', () => {
    const keys = Array.from({ length: HOME_PAGE_SIZE }, () => aKey());
    const partners = Array.from({ length: 120 }, (_, i) => ({ id: `prt_${i}`, name: `${NASTY_DESCRIPTION} ${i}` }));
    const requests: ApprovalRequest[] = Array.from({ length: 12 }, (_, i) => ({
      id: `apr_${String(i).padStart(12, '0')}`,
      action: 'create',
      keyId: null,
      keyVersion: null,
      payload: {
        action: 'create',
        description: NASTY_DESCRIPTION,
        partnerId: null,
        partnerName: null,
        permissions: [],
      },
      requestedBy: 'U0REQUESTER',
      requiredApprovals: 2,
      state: 'pending',
      createdAt: now,
      expiresAt: now,
      decidedAt: null,
      outcome: null,
      cardChannel: 'C0APPROVALS',
      cardTs: '1.1',
      decisions: [],
    }));
    for (const canManage of [true, false]) {
      const flags = homeApprovalBlocks(requests, 'U0APPROVER');
      const view = homeView({
        apiType: 'Harvest',
        keys,
        total: 150,
        filters: { q: NASTY_DESCRIPTION.slice(0, 100), s: 'usable', pa: 'prt_3', fl: ['legacy', 'unused', 'expiring'] },
        partners,
        page: 3,
        canManage,
        isApprover: true,
        // Room for the others' notices under the buttons (approvals off), and a full "Needs attention".
        flags: [
          ...flags,
          ...Array.from({ length: 2 }, () => section('x'.repeat(2900))),
          ...needsAttentionBlocks(fullAttention(), { unusedKeyDays: 90, confirmHours: 72 }),
        ],
        waiting: 12,
        now,
        revision: 'r1',
        privateMetadata: '{"q":"","p":3}',
      });
      expectValid('home', view);
      expect(JSON.stringify(view)).toContain('Clear');
      // Nothing above pushes the key rows or the paging out of the Home's 100 blocks.
      expect(JSON.stringify(view.blocks.at(-1))).toContain(canManage ? 'Next' : 'Changing them needs the admin role');
    }
    expectValid('home', homeNoAccessView('Sorry, you need the admin or approver role to see API keys.'));
    expectValid('modal', helpModal('/harvest-keys'));
    expectValid('modal', approvalsModal(requests));
    const rule = legacyRule(harvestCatalog(), new Date('2017-01-18T00:00:00Z'));
    expectValid('modal', keyViewModal({ key: aKey(), catalog: harvestCatalog(), legacyRule: rule, now }));
    expectValid(
      'modal',
      keyViewModal({ key: aKey({ legacy: true }), catalog: harvestCatalog(), legacyRule: rule, now }),
    );
    expectValid('message', unknownCommandMessage('/harvest-keys', `frobnicate${'<!channel>'.repeat(20)}`));
  });

  it('list, show and help messages', () => {
    const keys = Array.from({ length: 20 }, (_, i) => aKey({ status: i % 2 === 0 ? 'revoked' : 'active' }));
    expectValid(
      'message',
      keyListMessage({ keys, total: 150, query: '<!channel>', canManage: true, now, command: '/harvest-keys' }),
    );
    const rule = legacyRule(catalog, new Date('2017-01-18T00:00:00Z'));
    expectValid('message', keyDetailsMessage({ key, catalog, legacyRule: rule, canManage: true, now }));
    expectValid(
      'message',
      keyDetailsMessage({ key: { ...key, legacy: true }, catalog, legacyRule: rule, canManage: true, now }),
    );
    expectValid(
      'message',
      keyDetailsMessage({
        key: aKey({ permissions: harvestCatalog().endpoints.map((e) => e.id) }),
        catalog: harvestCatalog(),
        legacyRule: rule,
        canManage: false,
        now,
      }),
    );
    expectValid('message', helpMessage('/harvest-keys'));
    expectValid('message', textMessage('x'.repeat(5000)));
  });

  it('partners and roles with more entries than fit', () => {
    expectValid(
      'modal',
      partnersView(
        Array.from({ length: 150 }, (_, i) => aPartner(i, ['GET /v1/users'])),
        escapeMrkdwn(NASTY_DESCRIPTION),
      ),
    );
    const grants = Array.from({ length: 150 }, (_, i) => ({
      slackUserId: `U0USER${i}`,
      role: 'admin' as const,
      grantedBy: '<!channel>',
      grantedAt: now,
    }));
    const view = rolesView({ grants, revision: 3, viewer: 'U0USER0', notice: 'ok' });
    expectValid('modal', view);
    expect(JSON.stringify(view)).toContain(`${150 - ADMIN_LIST_LIMIT} more`);
  });
});

describe('expiry reminders', () => {
  const expiring = { ...aKey({ partnerName: NASTY_DESCRIPTION }), expiresAt: new Date(now.getTime() + 5 * 86_400_000) };

  it('builds the notice, both DMs and Extend within Slack’s limits, with the typed text escaped', () => {
    const built = [
      expiryReminderNotice({ key: expiring, now, days: 7, held: true }),
      creatorReminder({ key: expiring, now, held: false }),
      contactReminder({ key: { ...expiring, createdBy: 'cli:ops' }, now }),
    ];
    for (const message of built) {
      expectValid('message', message);
      expect(JSON.stringify(message)).not.toContain('<!channel>');
    }
    const hold = { approvalsRequired: 1 };
    const view = extendView({ key: expiring, now, policy: { maxLifetimeDays: 120 }, hold, privateMetadata: '{}' });
    expectValid('modal', view);
    expect(JSON.stringify(view)).toContain('Request approval');
  });

  it('words a reminder’s notification as the other alerts do: plain name, a partner only when there is one, a client as a client', () => {
    const plainKey = {
      ...aKey({ description: 'Payroll', hint: 'c2oD', partnerName: null }),
      expiresAt: expiring.expiresAt,
    };
    const client = { ...plainKey, clientId: 'hkc_AbCdEfGhIjKlMnOpQrStUvWx' };
    const notice = expiryReminderNotice({ key: plainKey, now, days: 7, held: false });
    const creator = creatorReminder({ key: plainKey, now, held: false });
    const contact = contactReminder({ key: plainKey, now });
    // A notification shows its text as typed: no mrkdwn stars and backticks around the name.
    expect(notice.text).toMatch(/^:hourglass_flowing_sand: Payroll …c2oD expires in 5 days \(<!date\^/);
    expect(creator.text).toMatch(/^:hourglass_flowing_sand: A key you created, Payroll …c2oD, expires in 5 days \(/);
    expect(contact.text).toMatch(/^:hourglass_flowing_sand: The API key Payroll …c2oD expires in 5 days \(/);
    for (const message of [notice, creator, contact]) expect(JSON.stringify(message)).not.toContain('no partner');
    // A key made 5 days from its end is reminded at once: not "sent 7 days before the key ends".
    expect(JSON.stringify(notice)).toContain('Sent as the key came within 7 days of its end (EXPIRY_REMINDER_DAYS).');

    const forClient = [
      expiryReminderNotice({ key: client, now, days: 7, held: false }),
      creatorReminder({ key: client, now, held: false }),
      contactReminder({ key: client, now }),
    ].map((m) => JSON.stringify(m));
    expect(forClient[0]).toContain('(v3 client hkc_AbCdEfGhIjKlMnOpQrStUvWx)');
    expect(forClient[0]).toContain('*Replace* issues a new secret for the same client id');
    expect(forClient[1]).toContain('A v3 client you created, *Payroll*');
    expect(forClient[2]).toContain('The API client *Payroll*');
    for (const text of forClient) expect(text).not.toContain('new key');
  });

  it('offers Extend only lifetimes that end later than the key does now', () => {
    const endsIn = (days: number) => ({ ...expiring, expiresAt: new Date(now.getTime() + days * 86_400_000) });
    const options = (days: number, max: number | null) =>
      (
        extendView({
          key: endsIn(days),
          now,
          policy: { maxLifetimeDays: max },
          hold: undefined,
          privateMetadata: '{}',
        })?.blocks.at(-1) as { element: { options: { value: string }[] } } | undefined
      )?.element.options.map((o) => o.value);
    expect(options(5, null)).toEqual(['none', '30', '90', '180', '365']);
    expect(options(45, 120)).toEqual(['90', '120']);
    // Lowered maximum: nothing the policy allows ends later, so there is no dialog to offer.
    expect(options(20, 7)).toBeUndefined();
  });
});

describe('user text in mrkdwn', () => {
  it('escapes &, < and > and defuses mass mentions', () => {
    expect(escapeMrkdwn('<!channel> & <@U1> *b* @here')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt; *b* @\u2060here');
    expect(JSON.stringify(showOnceView({ key: aKey(), secret: 'x', now }))).not.toMatch(/<!(channel|here|everyone)>/);
  });

  it('truncates by characters, not bytes', () => {
    expect(truncate('Ω'.repeat(80), 75)).toHaveLength(75);
    expect(truncate('short', 75)).toBe('short');
  });
});

describe('the Block Kit validator', () => {
  const section = { type: 'section', text: { type: 'mrkdwn', text: 'hi' } };
  const modal = (blocks: unknown[], extra: Record<string, unknown> = {}) => ({
    type: 'modal',
    title: { type: 'plain_text', text: 'Title' },
    close: { type: 'plain_text', text: 'Close' },
    blocks,
    ...extra,
  });
  const checkboxes = (n: number, initial?: unknown[]) => ({
    type: 'input',
    label: { type: 'plain_text', text: 'L' },
    element: {
      type: 'checkboxes',
      action_id: 'a',
      options: Array.from({ length: n }, (_, i) => ({ text: { type: 'plain_text', text: `o${i}` }, value: String(i) })),
      ...(initial === undefined ? {} : { initial_options: initial }),
    },
  });

  it.each([
    ['101 blocks', 'modal', modal(Array.from({ length: 101 }, () => section)), '101 blocks'],
    [
      '11 checkbox options',
      'modal',
      modal([checkboxes(11)], { submit: { type: 'plain_text', text: 'Save' } }),
      '11 options',
    ],
    [
      'an initial option that is not an option',
      'modal',
      modal([checkboxes(2, [{ text: { type: 'plain_text', text: 'other' }, value: '0' }])], {
        submit: { type: 'plain_text', text: 'Save' },
      }),
      'does not exactly match',
    ],
    ['inputs without a submit button', 'modal', modal([checkboxes(2)]), 'needs a submit button'],
    [
      'a 25-character title',
      'modal',
      modal([section], { title: { type: 'plain_text', text: 'x'.repeat(25) } }),
      'limit 24',
    ],
    [
      '3001 characters of private_metadata',
      'modal',
      modal([section], { private_metadata: 'x'.repeat(3001) }),
      'limit 3000',
    ],
    [
      'a mass mention in mrkdwn',
      'modal',
      modal([{ type: 'section', text: { type: 'mrkdwn', text: 'hey <!channel>' } }]),
      'mass mention',
    ],
    [
      'a 76-character option text',
      'modal',
      modal([
        {
          type: 'actions',
          elements: [
            {
              type: 'overflow',
              action_id: 'o',
              options: [{ text: { type: 'plain_text', text: 'x'.repeat(76) }, value: 'v' }],
            },
          ],
        },
      ]),
      'limit 75',
    ],
    [
      '6 overflow options',
      'modal',
      modal([
        {
          type: 'actions',
          elements: [
            {
              type: 'overflow',
              action_id: 'o',
              options: Array.from({ length: 6 }, (_, i) => ({
                text: { type: 'plain_text', text: 't' },
                value: String(i),
              })),
            },
          ],
        },
      ]),
      '6 options',
    ],
    [
      'repeated block ids',
      'modal',
      modal([
        { ...section, block_id: 'x' },
        { ...section, block_id: 'x' },
      ]),
      'repeats',
    ],
    [
      '51 blocks in a message',
      'message',
      { text: 't', blocks: Array.from({ length: 51 }, () => section) },
      '51 blocks',
    ],
    [
      'too much text in a message',
      'message',
      {
        text: 't',
        blocks: Array.from({ length: 5 }, () => ({
          type: 'section',
          text: { type: 'mrkdwn', text: 'x'.repeat(2900) },
        })),
      },
      'characters of block text',
    ],
    ['an input block in a message', 'message', { text: 't', blocks: [checkboxes(2)] }, 'do not belong in messages'],
    ['an unknown block type', 'home', { type: 'home', blocks: [{ type: 'carousel' }] }, 'unknown block type'],
    [
      'a view over 250 kB',
      'modal',
      modal(Array.from({ length: 90 }, () => ({ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(2999) } }))),
      'bytes',
    ],
  ])('rejects %s', (_, surface, payload, expected) => {
    const problems = validateSurface(surface as Surface, payload);
    expect(problems.join('\n')).toContain(expected);
  });

  it('accepts a plain valid modal', () => {
    expectValid(
      'modal',
      modal([section, checkboxes(10, [{ text: { type: 'plain_text', text: 'o1' }, value: '1' }])], {
        submit: { type: 'plain_text', text: 'Save' },
      }),
    );
  });
});

describe('insight alerts within Slack limits', () => {
  it('the weekly digest of hundreds of keys, and a denial burst on the longest endpoint id', () => {
    const digest = weeklyDigest(fullAttention(), { unusedKeyDays: 90, confirmHours: 72, week: '2026-W49' });
    expectValid('message', digest);
    expect(digest.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    expect(JSON.stringify(digest)).toContain('…and 470 more.');
    expect(JSON.stringify(digest)).not.toContain('<!channel>');
    const catalog = catalogWithHugeGroup();
    const endpoint = catalog.endpoints.at(-1)!;
    const alert = denialBurstAlert(
      catalog,
      {
        editId: 1,
        keyId: 'key_000000000001',
        endpointId: endpoint.id,
        actor: 'cli:<!here>',
        at: now,
        denied: 123_456,
        key: aKey(),
      },
      20,
    );
    expectValid('message', alert);
    expect(JSON.stringify(alert.blocks.slice(0, 2))).not.toMatch(/<!(channel|here|everyone)>/);
  });
});
