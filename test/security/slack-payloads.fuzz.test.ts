import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogFingerprint, Selection } from '../../src/slack/blocks/selection.ts';
import { ActionId, CallbackId } from '../../src/slack/ui/ids.ts';
import { changedTables, snapshotDatabase } from '../helpers/db-snapshot.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { type SlackHarness, startSlackHarness, TEAM } from '../helpers/slack-harness.ts';
import { viewSubmission } from '../helpers/slack-payloads.ts';

/**
 * Correctly signed but arbitrary bodies: the app answers each one (200, 400 for a body it cannot parse, or Bolt's
 * 404 for something no listener takes) without a 5xx, changes nothing, and keeps serving. Then forged
 * `private_metadata`, the one part of a view Slack hands back as the app wrote it (so a person can edit it with a
 * proxy): it never gets a non-admin anything, nor an admin past the validation the dialog would have applied.
 */
let rt: TestRuntime;
let slack: SlackHarness;
const logs = captureLogs('info');
const ADMIN = 'U0FUZZADMIN';
const APPROVER = 'U0FUZZAPPROVER';
const NOBODY = 'U0FUZZNOBODY';

beforeAll(async () => {
  rt = await createTestRuntime({ env: { APPROVALS_CHANNEL: 'C0APPROVALS' } });
  slack = await startSlackHarness(rt, { logger: logs.logger });
  await rt.roles.grant(ADMIN, 'admin', 'test');
  await rt.roles.grant(APPROVER, 'approver', 'test');
  await rt.keys.create({ actor: 'cli:fuzz', description: 'Existing', grants: ['GET /v1/users'] });
});
afterAll(async () => {
  await slack?.close();
  await rt?.dispose();
});

const user = fc.constantFrom(ADMIN, APPROVER, NOBODY);
const anything = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 40 }));
const knownType = fc.constantFrom(
  'block_actions',
  'view_submission',
  'view_closed',
  'block_suggestion',
  'shortcut',
  'message_action',
  'interactive_message',
  'dialog_submission',
  'url_verification',
);
const knownId = fc.constantFrom(
  ...Object.values(ActionId),
  ...Object.values(CallbackId),
  'home.page.2',
  'picker.page.9',
);
const hostileText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    "'; drop table api_keys; --",
    '<!channel>',
    'key_AAAAAAAA',
    `revoke key_${'A'.repeat(12)}`,
    '\u0000',
    '%',
    '{"f":"create"}',
    'x'.repeat(5000),
  ),
);

/** Interaction payloads from nonsense to nearly right: known types, ids and users with anything in the other fields. */
const payload = fc.oneof(
  anything,
  fc.record(
    {
      type: fc.oneof(knownType, fc.string({ maxLength: 10 })),
      team: fc.oneof(fc.constant(TEAM), anything),
      user: fc.oneof(
        user.map((id) => ({ id, team_id: TEAM.id })),
        anything,
      ),
      actions: fc.oneof(
        fc.array(
          fc.record(
            {
              action_id: fc.oneof(knownId, fc.string()),
              block_id: fc.string(),
              type: fc.constantFrom('button', 'overflow', 'static_select'),
              value: hostileText,
              selected_option: fc.oneof(fc.constant(null), fc.record({ value: hostileText })),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 2 },
        ),
        anything,
      ),
      view: fc.oneof(
        fc.record(
          {
            id: fc.constant('V0FUZZ'),
            type: fc.constant('modal'),
            callback_id: fc.oneof(knownId, fc.string()),
            private_metadata: fc.oneof(
              hostileText,
              anything.map((v) => JSON.stringify(v)),
            ),
            state: fc.record({ values: anything }),
            blocks: fc.constant([]),
          },
          { requiredKeys: [] },
        ),
        anything,
      ),
      trigger_id: fc.constant('1.fuzz'),
      value: hostileText,
      action_id: fc.oneof(knownId, fc.string()),
    },
    { requiredKeys: [] },
  ),
);

const body = fc.oneof(
  payload.map((p) => ({
    body: new URLSearchParams({ payload: JSON.stringify(p) }).toString(),
    type: 'application/x-www-form-urlencoded',
  })),
  fc.string({ maxLength: 200 }).map((s) => ({ body: `payload=${s}`, type: 'application/x-www-form-urlencoded' })),
  fc.string({ maxLength: 200 }).map((s) => ({ body: s, type: 'application/x-www-form-urlencoded' })),
  fc.oneof(anything, payload).map((p) => ({ body: JSON.stringify(p), type: 'application/json' })),
  // Slash command forms with any text and any (or no) fields.
  fc
    .record(
      {
        command: fc.oneof(fc.constant('/harvest-keys'), fc.string({ maxLength: 12 })),
        text: hostileText,
        user_id: fc.oneof(user, fc.string({ maxLength: 12 })),
        team_id: fc.oneof(
          fc.constant(TEAM.id),
          fc.string({ maxLength: 8 }),
          fc.constantFrom('valueOf', '__proto__', 'constructor'),
        ),
        trigger_id: fc.constant('1.fuzz'),
        response_url: fc.constant(`https://hooks.slack.com/commands/${TEAM.id}/1/fuzz`),
      },
      { requiredKeys: [] },
    )
    .map((form) => ({
      body: new URLSearchParams(form as Record<string, string>).toString(),
      type: 'application/x-www-form-urlencoded',
    })),
);

describe('arbitrary signed bodies', () => {
  it('refuse a team id that names an Object.prototype member like any other team (Bolt keys client pools by it)', async () => {
    for (const team of ['valueOf', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const form = new URLSearchParams({
        command: '/harvest-keys',
        text: 'list',
        user_id: ADMIN,
        team_id: team,
        trigger_id: '1.fuzz',
        response_url: `https://hooks.slack.com/commands/${TEAM.id}/1/fuzz`,
      });
      const answer = await slack.post(form.toString(), 'application/x-www-form-urlencoded');
      expect(answer.status, team).toBe(200);
      expect(answer.text, team).toContain('serves its own Slack workspace only');
    }
  });

  it('never get a 5xx or a hang, change nothing, and the app keeps serving', async () => {
    const statuses = new Map<number, number>();
    const before = await snapshotDatabase(rt.db.sql);
    // Bodies no listener takes wait out Bolt's 3 s before their 404, so each run sends a batch at once.
    await fc.assert(
      fc.asyncProperty(fc.array(body, { minLength: 25, maxLength: 25 }), async (batch) => {
        const answers = await Promise.all(
          batch.map(async ({ body: text, type }) => {
            const answer = await Promise.race([
              slack.post(text, type),
              new Promise<never>((_, reject) =>
                setTimeout(() => reject(new Error(`no answer within 10 s to ${text.slice(0, 200)}`)), 10_000),
              ),
            ]);
            return { status: answer.status, text };
          }),
        );
        for (const { status, text } of answers) {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          expect([200, 400, 404], text.slice(0, 300)).toContain(status);
        }
      }),
      // Every step of shrinking a batch waits out Bolt's 3 s: the failing batch as found is the report.
      { numRuns: 10, endOnFailure: true },
    );
    // Work after the ack has finished before the database is compared.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(changedTables(before, await snapshotDatabase(rt.db.sql))).toEqual([]);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    const mark = slack.recorder.mark();
    expect((await slack.command(ADMIN, 'create')).status).toBe(200);
    await slack.recorder.waitFor(mark, 'views.open');
  }, 120_000);
});

// ---- forged private_metadata -----------------------------------------------------------------------------------

const fingerprint = () => catalogFingerprint(rt.catalog);
const selection = (ids: string[] = ['GET /v1/users']) =>
  Selection.of(
    rt.catalog,
    ids.map((g) => rt.catalog.endpoints.find((e) => `${e.method} ${e.path}` === g)?.id as string),
  ).encode();
const modal = (callbackId: string, privateMetadata: string) => ({
  type: 'modal',
  id: 'V0FORGED',
  callback_id: callbackId,
  private_metadata: privateMetadata,
  blocks: [],
});
const input = (value: string) => ({ value: { type: 'plain_text_input', value } });

async function submitForged(userId: string, callbackId: string, meta: unknown, values: Record<string, unknown> = {}) {
  const before = await snapshotDatabase(rt.db.sql);
  const text = typeof meta === 'string' ? meta : JSON.stringify(meta);
  const answer = await slack.interaction(viewSubmission(userId, modal(callbackId, text), values as never));
  await new Promise((resolve) => setTimeout(resolve, 150));
  return {
    status: answer.status,
    text: answer.text,
    changed: changedTables(before, await snapshotDatabase(rt.db.sql)),
  };
}

describe('forged private_metadata', () => {
  const createMeta = (overrides: Record<string, unknown> = {}) => ({
    f: 'create',
    p: 0,
    r: 0,
    s: selection(),
    c: fingerprint(),
    partnerId: null,
    pn: null,
    ps: 0,
    d: 'Forged',
    dl: null,
    ...overrides,
  });

  it('gets a person without the admin role nowhere, whatever it says', async () => {
    const { key } = await rt.keys.create({ actor: 'cli:fuzz', description: 'Target', grants: [] });
    const forgeries: [string, unknown][] = [
      [CallbackId.permissions, createMeta({ s: selection(['GET /v1/users', 'DELETE /v1/users/:id']) })],
      [CallbackId.editConfirm, { k: key.id, v: key.version, d: 'Taken over', s: selection(), c: fingerprint() }],
      [CallbackId.replace, { k: key.id }],
      [
        CallbackId.partnerForm,
        { f: 'partner', p: 0, r: 0, s: selection(), c: fingerprint(), id: null, n: 'Forged Partner', u: [] },
      ],
      [CallbackId.roles, { r: 0 }],
    ];
    for (const who of [NOBODY, APPROVER]) {
      for (const [callbackId, meta] of forgeries) {
        const result = await submitForged(who, callbackId, meta, {
          grace: { value: { type: 'static_select', selected_option: { value: '0' } } },
          'role_users.0': { value: { type: 'multi_users_select', selected_users: [who] } },
          'role_kind.0': { value: { type: 'static_select', selected_option: { value: 'admin' } } },
        });
        expect(result.status, `${callbackId} by ${who}`).toBe(200);
        expect(result.changed, `${callbackId} by ${who}`).toEqual([]);
        expect(result.text, `${callbackId} by ${who}`).toContain('Not Allowed');
      }
    }
    expect(await rt.roles.rolesOf(NOBODY)).toEqual([]);
  });

  it('does not let an admin past the checks the dialog applies: description, partner, contact, version, selection', async () => {
    const { key } = await rt.keys.create({ actor: 'cli:fuzz', description: 'Versioned', grants: ['GET /v1/users'] });
    const partner = await rt.partners.create({
      actor: 'cli:fuzz',
      name: 'Forged Contacts Partner',
      contacts: ['U0REALCONTACT'],
    });
    const refused: [string, string, unknown][] = [
      ['empty description', CallbackId.permissions, createMeta({ d: '' })],
      ['oversized description', CallbackId.permissions, createMeta({ d: 'x'.repeat(10_000) })],
      ['control characters in the description', CallbackId.permissions, createMeta({ d: 'line\u0000break' })],
      ['a partner that does not exist', CallbackId.permissions, createMeta({ partnerId: 'prt_doesnotexist' })],
      [
        'a delivery contact who is not the partner’s',
        CallbackId.permissions,
        createMeta({ partnerId: partner.id, dl: 'U0NOTACONTACT' }),
      ],
      ['a selection of the wrong size', CallbackId.permissions, createMeta({ s: 'AAAA' })],
      ['a selection for another catalog', CallbackId.permissions, createMeta({ c: 'not-this-catalog' })],
      [
        'an old version of the key',
        CallbackId.editConfirm,
        { k: key.id, v: key.version - 1, d: 'Old', s: selection(), c: fingerprint() },
      ],
      [
        'an empty description on edit',
        CallbackId.editConfirm,
        { k: key.id, v: key.version, d: '', s: selection(), c: fingerprint() },
      ],
      [
        'a key that does not exist',
        CallbackId.editConfirm,
        { k: 'key_doesnotexist', v: 1, d: 'x', s: selection(), c: fingerprint() },
      ],
      ['a key that does not exist', CallbackId.replace, { k: 'key_doesnotexist' }],
      ['metadata of another dialog', CallbackId.editConfirm, createMeta()],
      ['metadata that is not JSON', CallbackId.permissions, '{"f":"create",'],
      ['metadata that is not JSON', CallbackId.create, 'not json'],
      ['metadata that is not JSON', CallbackId.roles, '[]'],
      ['metadata of the wrong shape', CallbackId.partnerForm, { f: 'partner', id: 42 }],
    ];
    for (const [what, callbackId, meta] of refused) {
      const result = await submitForged(ADMIN, callbackId, meta, {
        grace: { value: { type: 'static_select', selected_option: { value: '0' } } },
        'description.0': input('typed'),
      });
      expect(result.status, `${callbackId}: ${what}`).toBe(200);
      expect(result.changed, `${callbackId}: ${what}`).toEqual([]);
      // Refused in words, never silently accepted: an error on a field or a notice replacing the dialog.
      expect(result.text, `${callbackId}: ${what}`).toMatch(/"response_action":"(errors|update)"/);
      expect(result.text, `${callbackId}: ${what}`).not.toContain('key.show-once');
    }
    expect((await rt.keys.get(key.id)).version).toBe(key.version);
  });

  it('lets an approver deny only through the approver rules, whatever request id the dialog carries', async () => {
    const request = await rt.approvals.requestCreate({ actor: ADMIN, description: 'Held', grants: [] });
    const values = { deny_reason: input('forged') };
    for (const [who, meta] of [
      [NOBODY, request.id],
      [ADMIN, request.id],
      [APPROVER, 'apr_doesnotexist'],
      [APPROVER, `${request.id}' or '1'='1`],
      [APPROVER, '{"id":"x"}'],
    ] as const) {
      const result = await submitForged(who, CallbackId.approvalDeny, meta, values);
      expect(result.status, `${who} ${meta}`).toBe(200);
      expect(result.changed, `${who} ${meta}`).toEqual([]);
    }
    expect((await rt.approvals.listPending()).map((r) => r.id)).toContain(request.id);
  });
});
