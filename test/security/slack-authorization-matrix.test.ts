import { App } from '@slack/bolt';
import { generateKey } from 'openpgp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NO_PARTNER } from '../../src/slack/blocks/create-key-views.ts';
import { catalogFingerprint, Selection } from '../../src/slack/blocks/selection.ts';
import { SUBCOMMANDS } from '../../src/slack/listeners/commands/harvest-keys.ts';
import { ActionId, CallbackId } from '../../src/slack/ui/ids.ts';
import { changedTables, snapshotDatabase } from '../helpers/db-snapshot.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { type SlackHarness, startSlackHarness, TEAM } from '../helpers/slack-harness.ts';
import { blockActions, viewClosed, viewSubmission } from '../helpers/slack-payloads.ts';
import type { SlackTraffic } from '../helpers/slack-traffic.ts';

/**
 * Every Slack entry point the app registers × every role. A probe sends what would change state (or open a dialog)
 * if honoured; the outcome is read from the database (every table, audit included) and from what reached Slack.
 * Roles: none, approver, admin, and for approval requests their requester (admin and approver at once). Every
 * probe is also sent by an admin with valid signatures but naming another workspace: nothing may happen.
 */
let rt: TestRuntime;
let slack: SlackHarness;
const logs = captureLogs('info');
const registered: string[] = [];

const NONE = 'U0NOROLE01';
const APPROVER = 'U0APPROVER01';
const ADMIN = 'U0ADMIN01';
const REQUESTER = 'U0REQUESTER01';
const OTHER_TEAM = 'T0EVILCORP';

beforeAll(async () => {
  // Records what the app registers, so a listener added later without a row in the matrix fails this file.
  for (const method of ['action', 'view', 'options', 'command', 'event', 'shortcut', 'message'] as const) {
    const original = App.prototype[method] as (...args: unknown[]) => unknown;
    vi.spyOn(App.prototype, method).mockImplementation(function (this: App, ...args: unknown[]) {
      const constraint = args[0] as unknown;
      const name =
        constraint instanceof RegExp
          ? `/${constraint.source}/`
          : typeof constraint === 'object' && constraint !== null
            ? String(
                (constraint as { callback_id?: unknown; action_id?: unknown }).callback_id ??
                  (constraint as { action_id?: unknown }).action_id,
              )
            : String(constraint);
      const closed =
        typeof constraint === 'object' &&
        constraint !== null &&
        (constraint as { type?: unknown }).type === 'view_closed';
      registered.push(`${closed ? 'view_closed' : method}:${name}`);
      return original.apply(this, args);
    } as never);
  }
  rt = await createTestRuntime({ env: { APPROVALS_CHANNEL: 'C0APPROVALS' } });
  slack = await startSlackHarness(rt, { logger: logs.logger });
  vi.restoreAllMocks();
  await rt.roles.grant(APPROVER, 'approver', 'test');
  await rt.roles.grant(ADMIN, 'admin', 'test');
  await rt.roles.grant(REQUESTER, 'admin', 'test');
  await rt.roles.grant(REQUESTER, 'approver', 'test');
});
afterAll(async () => {
  await slack?.close();
  await rt?.dispose();
});

type Role = 'none' | 'approver' | 'admin' | 'requester';
const userOf: Record<Role, string> = { none: NONE, approver: APPROVER, admin: ADMIN, requester: REQUESTER };
/** Who may: roles as the app defines them (README: Roles). */
type Need = 'admin' | 'viewer' | 'anyone' | 'approver' | 'approver-not-requester' | 'requester' | 'nobody';
const permits: Record<Need, (role: Role) => boolean> = {
  admin: (r) => r === 'admin' || r === 'requester',
  viewer: (r) => r !== 'none',
  anyone: () => true,
  approver: (r) => r === 'approver' || r === 'requester',
  'approver-not-requester': (r) => r === 'approver',
  requester: (r) => r === 'requester',
  nobody: () => false,
};

/** `db`: honouring it changes stored state. `ui`: it opens or redraws something. `none`: only acknowledged. */
type Effect = 'db' | 'ui' | 'none';
type Team = { team: string; userTeam: string } | undefined;
interface Probe {
  need: Need;
  effect: Effect;
  /** Fresh state for one attempt (a key to revoke, a request to approve), made before the "before" snapshot. */
  prepare?: () => Promise<Record<string, string>>;
  send(user: string, ctx: Record<string, string>, team: Team): Promise<unknown>;
  /** Extra outcome checks for one attempt. */
  check?: (role: Role, allowed: boolean, traffic: SlackTraffic[]) => void;
  /** Why a registered listener's row looks the way it does. */
  note?: string;
}

// ---- payload helpers ------------------------------------------------------------------------------------------

let sequence = 0;
function forge(payload: Record<string, unknown>, team: Team): Record<string, unknown> {
  if (team === undefined) return payload;
  const user = { ...(payload.user as Record<string, unknown>), team_id: team.userTeam };
  const view =
    payload.view === undefined ? undefined : { ...(payload.view as Record<string, unknown>), team_id: team.team };
  return { ...payload, team: { id: team.team, domain: 'evil' }, user, ...(view === undefined ? {} : { view }) };
}
function command(user: string, text: string, team: Team) {
  sequence += 1;
  const form = new URLSearchParams({
    token: 't',
    team_id: team?.team ?? TEAM.id,
    team_domain: 'x',
    channel_id: 'C0GENERAL',
    channel_name: 'general',
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/harvest-keys',
    text,
    api_app_id: 'A0TEST',
    is_enterprise_install: 'false',
    response_url: `https://hooks.slack.com/commands/${TEAM.id}/${sequence}/matrix${sequence}`,
    trigger_id: `${sequence}.matrix`,
  });
  return slack.post(form.toString(), 'application/x-www-form-urlencoded', {}, 'command');
}
const modal = (callbackId: string, privateMetadata = '', id = `V0M${++sequence}`) => ({
  type: 'modal',
  id,
  callback_id: callbackId,
  private_metadata: privateMetadata,
  blocks: [],
});
const click = (user: string, action: Record<string, unknown>, view: Record<string, unknown>, team: Team) =>
  slack.interaction(
    forge(blockActions(user, { type: 'button', block_id: 'b', ...action } as never, { view, values: {} }), team),
  );
const submit = (user: string, view: Record<string, unknown>, values: Record<string, unknown>, team: Team) =>
  slack.interaction(forge(viewSubmission(user, view, values as never), team));
const input = (value: string) => ({ value: { type: 'plain_text_input', value } });
const selected = (value: string) => ({
  value: { type: 'static_select', selected_option: { value, text: { type: 'plain_text', text: value } } },
});

const catalog = () => rt.catalog;
const oneEndpoint = () =>
  Selection.of(
    catalog(),
    ['GET /v1/users'].map((g) => catalog().endpoints.find((e) => `${e.method} ${e.path}` === g)?.id as string),
  );
const freshKey = async (revoked = false) => {
  const { key } = await rt.keys.create({
    actor: 'cli:matrix',
    description: `Matrix ${++sequence}`,
    grants: ['GET /v1/users'],
  });
  if (revoked) await rt.keys.revoke(key.id, { actor: 'cli:matrix' });
  return { key: key.id, version: String(key.version) };
};
/** A key three days from its end, as an expiry reminder names it. */
const freshExpiring = async () => {
  const { key } = await rt.keys.create({
    actor: 'cli:matrix',
    description: `Matrix expiring ${++sequence}`,
    grants: ['GET /v1/users'],
    expiresAt: new Date(Date.now() + 3 * 86_400_000),
  });
  return { key: key.id, version: String(key.version), ends: String(key.expiresAt?.getTime()) };
};
/** A legacy key (imported with a creation date before the cutoff): what "Convert to explicit permissions" is for. */
const freshLegacyKey = async () => {
  const secret = `matrixLegacy0123456789abcdefAB${String(++sequence).padStart(4, '0')}`;
  const { imported } = await rt.importKeys(
    Buffer.from(`key,description,partner,created_at\n${secret},Matrix legacy ${sequence},,2016-05-01\n`),
    'cli:matrix',
  );
  return { key: imported[0]?.id as string };
};
const freshPartner = async () => ({
  partner: (await rt.partners.create({ actor: 'cli:matrix', name: `Matrix Partner ${++sequence}` })).id,
});
const freshRequest = async () => ({
  request: (
    await rt.approvals.requestCreate({ actor: REQUESTER, description: `Held ${++sequence}`, grants: ['GET /v1/users'] })
  ).id,
});
let armored = '';
const armoredKey = async () => {
  if (armored === '')
    armored = (
      await generateKey({ type: 'ecc', userIDs: [{ name: 'Matrix', email: 'matrix@example.com' }], format: 'armored' })
    ).publicKey;
  return armored;
};

// ---- the matrix -------------------------------------------------------------------------------------------------

const subcommand = (text: string, need: Need, prepare?: Probe['prepare']): Probe => ({
  need,
  effect: 'ui',
  prepare,
  send: (user, ctx, team) => command(user, text.replace('{key}', ctx.key ?? ''), team),
});

const commands: Record<string, Probe> = {
  create: subcommand('create', 'admin'),
  partners: subcommand('partners', 'admin'),
  roles: subcommand('roles', 'admin'),
  edit: subcommand('edit {key}', 'admin', () => freshKey()),
  revoke: subcommand('revoke {key}', 'admin', () => freshKey()),
  enable: subcommand('enable {key}', 'admin', () => freshKey(true)),
  replace: subcommand('replace {key}', 'admin', () => freshKey()),
  list: subcommand('list', 'viewer'),
  show: subcommand('show {key}', 'viewer', () => freshKey()),
  approvals: subcommand('approvals', 'viewer'),
  pubkey: subcommand('pubkey', 'anyone'),
  help: subcommand('help', 'anyone'),
};

const noKeyIdsForNobody: Probe['check'] = (role, _allowed, traffic) => {
  if (role === 'none') for (const t of traffic) expect(t.raw).not.toMatch(/key_[A-Za-z0-9]{6,}/);
};

/** A filter or Clear on the App Home: anyone may click (the Home of someone without a role names no key). */
function homeFilterProbe(action: Record<string, unknown>): Probe {
  return {
    need: 'anyone',
    effect: 'ui',
    prepare: () => freshKey(),
    send: (u, _c, t) =>
      click(u, action, { type: 'home', id: 'V0HOME', blocks: [], private_metadata: '{"q":"","p":0}' }, t),
    check: noKeyIdsForNobody,
  };
}

const listeners: Record<string, Probe> = {
  'command:/harvest-keys': {
    need: 'anyone',
    effect: 'ui',
    send: (user, _c, team) => command(user, 'help', team),
    note: 'subcommands: see the command table',
  },
  'event:app_home_opened': {
    need: 'anyone',
    effect: 'ui',
    send: (user, _c, team) =>
      slack.post(
        JSON.stringify({
          token: 't',
          team_id: team?.team ?? TEAM.id,
          api_app_id: 'A0TEST',
          type: 'event_callback',
          event_id: `EvM${++sequence}`,
          event_time: 1,
          event: { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '1.1' },
          authorizations: [{ team_id: team?.team ?? TEAM.id, user_id: 'U0BOTUSER', is_bot: true }],
        }),
        'application/json',
      ),
    check: noKeyIdsForNobody,
  },
  [`action:${ActionId.homeCreate}`]: {
    need: 'admin',
    effect: 'ui',
    send: (u, _c, t) => click(u, { action_id: ActionId.homeCreate }, { type: 'home', id: 'V0HOME', blocks: [] }, t),
  },
  [`action:${ActionId.homeSearch}`]: {
    need: 'anyone',
    effect: 'ui',
    prepare: () => freshKey(),
    send: (u, c, t) =>
      click(
        u,
        { type: 'plain_text_input', action_id: ActionId.homeSearch, value: c.key },
        { type: 'home', id: 'V0HOME', blocks: [] },
        t,
      ),
    check: noKeyIdsForNobody,
  },
  'action:/^home\\.page/': {
    need: 'anyone',
    effect: 'ui',
    send: (u, _c, t) =>
      click(
        u,
        { action_id: `${ActionId.homePage}.next`, value: '1' },
        { type: 'home', id: 'V0HOME', blocks: [], private_metadata: '{"q":"","p":0}' },
        t,
      ),
    check: noKeyIdsForNobody,
  },
  // App Home navigation: the same dialogs as the commands, Help for everyone, filters redraw the Home.
  [`action:${ActionId.homePartners}`]: {
    need: 'admin',
    effect: 'ui',
    send: (u, _c, t) => click(u, { action_id: ActionId.homePartners }, { type: 'home', id: 'V0HOME', blocks: [] }, t),
  },
  [`action:${ActionId.homeRoles}`]: {
    need: 'admin',
    effect: 'ui',
    send: (u, _c, t) => click(u, { action_id: ActionId.homeRoles }, { type: 'home', id: 'V0HOME', blocks: [] }, t),
  },
  [`action:${ActionId.homeApprovals}`]: {
    need: 'approver',
    effect: 'ui',
    prepare: freshRequest,
    send: (u, _c, t) => click(u, { action_id: ActionId.homeApprovals }, { type: 'home', id: 'V0HOME', blocks: [] }, t),
  },
  [`action:${ActionId.homeHelp}`]: {
    need: 'anyone',
    effect: 'ui',
    send: (u, _c, t) => click(u, { action_id: ActionId.homeHelp }, { type: 'home', id: 'V0HOME', blocks: [] }, t),
  },
  [`action:${ActionId.homeFilterStatus}`]: homeFilterProbe({
    type: 'static_select',
    action_id: ActionId.homeFilterStatus,
    selected_option: { text: { type: 'plain_text', text: 'Revoked' }, value: 'revoked' },
  }),
  [`action:${ActionId.homeFilterPartner}`]: homeFilterProbe({
    type: 'static_select',
    action_id: ActionId.homeFilterPartner,
    selected_option: { text: { type: 'plain_text', text: 'Any partner' }, value: 'any' },
  }),
  [`action:${ActionId.homeFilterFlags}`]: homeFilterProbe({
    type: 'checkboxes',
    action_id: ActionId.homeFilterFlags,
    selected_options: [{ text: { type: 'plain_text', text: 'Never used' }, value: 'unused' }],
  }),
  [`action:${ActionId.homeClear}`]: homeFilterProbe({ action_id: ActionId.homeClear, value: 'clear' }),
  [`action:${ActionId.keyView}`]: {
    need: 'viewer',
    effect: 'ui',
    prepare: () => freshKey(),
    send: (u, c, t) =>
      click(u, { action_id: ActionId.keyView, value: c.key }, { type: 'home', id: 'V0HOME', blocks: [] }, t),
  },
  [`action:${ActionId.leakReplace}`]: {
    need: 'admin',
    effect: 'ui',
    prepare: () => freshKey(),
    send: (u, c, t) =>
      click(u, { action_id: ActionId.leakReplace, value: c.key }, { type: 'home', id: 'V0HOME', blocks: [] }, t),
    note: 'the button is on leak alerts in ALERTS_CHANNEL, which the whole channel sees; it opens the replace dialog',
  },
  [`action:${ActionId.keyHistory}`]: {
    need: 'viewer',
    effect: 'ui',
    prepare: () => freshKey(),
    send: (u, c, t) => click(u, { action_id: ActionId.keyHistory, value: c.key }, modal(CallbackId.keyView), t),
  },
  [`action:${ActionId.keyUpgrade}`]: {
    need: 'admin',
    effect: 'ui',
    prepare: () => freshKey(),
    send: (u, c, t) => click(u, { action_id: ActionId.keyUpgrade, value: c.key }, modal(CallbackId.keyView), t),
  },
  [`action:${ActionId.keyTrim}`]: {
    need: 'admin',
    effect: 'ui',
    prepare: () => freshKey(),
    note: 'opens the review of removing unused permissions (a notice for a key this young); saving is Edit’s own',
    send: (u, c, t) => click(u, { action_id: ActionId.keyTrim, value: c.key }, modal(CallbackId.keyView), t),
  },
  [`action:${ActionId.keyLegacyConvert}`]: {
    need: 'admin',
    effect: 'ui',
    prepare: () => freshLegacyKey(),
    note: 'opens the review of converting a legacy key; saving is Edit’s own',
    send: (u, c, t) => click(u, { action_id: ActionId.keyLegacyConvert, value: c.key }, modal(CallbackId.keyView), t),
  },
  [`action:${ActionId.keyMenu}`]: {
    need: 'admin',
    effect: 'ui',
    prepare: () => freshKey(),
    send: (u, c, t) =>
      slack.interaction(
        forge(
          blockActions(
            u,
            {
              type: 'overflow',
              action_id: ActionId.keyMenu,
              block_id: 'b',
              selected_option: { text: { type: 'plain_text', text: 'Revoke' }, value: `revoke:${c.key}` },
            },
            {
              message: { text: 'keys', blocks: [] },
              responseUrl: `https://hooks.slack.com/actions/${TEAM.id}/${++sequence}/menu`,
            },
          ),
          t,
        ),
      ),
  },
  [`action:${ActionId.alertRestore}`]: {
    need: 'admin',
    effect: 'db',
    prepare: async () => {
      const fresh = await freshKey();
      await rt.keys.edit(fresh.key, { actor: 'cli:matrix', remove: ['GET /v1/users'] });
      return fresh;
    },
    send: (u, c, t) =>
      slack.interaction(
        forge(
          blockActions(
            u,
            { type: 'button', action_id: ActionId.alertRestore, block_id: 'b', value: `${c.key} GET /v1/users` },
            {
              message: { text: 'alert', blocks: [] },
              responseUrl: `https://hooks.slack.com/actions/${TEAM.id}/${++sequence}/alert`,
            },
          ),
          t,
        ),
      ),
  },
  [`action:${ActionId.attentionRevoke}`]: {
    need: 'admin',
    effect: 'ui',
    prepare: () => freshKey(),
    send: (u, c, t) =>
      click(u, { action_id: ActionId.attentionRevoke, value: c.key }, { type: 'home', id: 'V0HOME', blocks: [] }, t),
  },
  [`action:${ActionId.createPartner}`]: {
    need: 'admin',
    effect: 'ui',
    prepare: () => freshPartner(),
    send: (u, c, t) =>
      click(
        u,
        {
          type: 'static_select',
          action_id: ActionId.createPartner,
          selected_option: { text: { type: 'plain_text', text: 'p' }, value: c.partner },
        },
        modal(CallbackId.create, JSON.stringify({ r: 0, pid: null })),
        t,
      ),
  },
  [`options:${ActionId.createPartner}`]: {
    need: 'admin',
    effect: 'none',
    prepare: () => freshPartner(),
    send: (u, _c, t) =>
      slack.interaction(
        forge(
          {
            type: 'block_suggestion',
            action_id: ActionId.createPartner,
            block_id: 'partner',
            value: 'Matrix',
            team: TEAM,
            user: { id: u, name: u, team_id: TEAM.id },
            api_app_id: 'A0TEST',
            token: 't',
            container: { type: 'view', view_id: 'V0OPT' },
            view: modal(CallbackId.create, JSON.stringify({ r: 0, pid: null }), 'V0OPT'),
          },
          t,
        ),
      ),
    // The partner names are only listed for admins.
    check: (_role, allowed, traffic) => {
      const acks = traffic.filter((t) => t.kind === 'ack');
      const named = acks.some((t) => t.raw.includes('Matrix Partner'));
      expect(named).toBe(allowed);
    },
  },
  [`action:${ActionId.pickerAll}`]: {
    need: 'admin',
    effect: 'ui',
    send: (u, _c, t) => click(u, { action_id: ActionId.pickerAll, value: 'all' }, pickerView(), t),
  },
  [`action:${ActionId.pickerNone}`]: {
    need: 'admin',
    effect: 'ui',
    send: (u, _c, t) => click(u, { action_id: ActionId.pickerNone, value: 'none' }, pickerView(), t),
  },
  [`action:${ActionId.pickerGroup}`]: {
    need: 'admin',
    effect: 'ui',
    send: (u, _c, t) => click(u, { action_id: ActionId.pickerGroup, value: '0' }, pickerView(), t),
  },
  'action:/^picker\\.page/': {
    need: 'admin',
    effect: 'ui',
    send: (u, _c, t) => click(u, { action_id: `${ActionId.pickerPage}.1`, value: '1' }, pickerView(), t),
  },
  [`action:${ActionId.pickerResource}`]: {
    need: 'admin',
    effect: 'ui',
    send: (u, _c, t) =>
      click(
        u,
        {
          type: 'static_select',
          action_id: ActionId.pickerResource,
          selected_option: { value: '1', text: { type: 'plain_text', text: 'Applications' } },
        },
        pickerView(),
        t,
      ),
  },
  [`action:${ActionId.pickerSearch}`]: {
    need: 'admin',
    effect: 'ui',
    send: (u, _c, t) =>
      click(u, { type: 'plain_text_input', action_id: ActionId.pickerSearch, value: 'users' }, pickerView(), t),
  },
  [`action:${ActionId.pickerFilterClear}`]: {
    need: 'admin',
    effect: 'ui',
    send: (u, _c, t) => click(u, { action_id: ActionId.pickerFilterClear, value: 'clear' }, pickerView(), t),
  },
  [`action:${ActionId.pickerReadOnly}`]: {
    need: 'admin',
    effect: 'ui',
    send: (u, _c, t) => click(u, { action_id: ActionId.pickerReadOnly, value: 'get' }, pickerView(), t),
  },
  [`action:${ActionId.legacyEndpoints}`]: {
    need: 'viewer',
    effect: 'ui',
    send: (u, _c, t) => click(u, { action_id: ActionId.legacyEndpoints, value: 'list' }, modal(CallbackId.edit), t),
  },
  [`action:${ActionId.pickerCheck}`]: {
    need: 'nobody',
    effect: 'none',
    send: (u, _c, t) => click(u, { type: 'checkboxes', action_id: ActionId.pickerCheck }, pickerView(), t),
  },
  [`action:${ActionId.revokeReason}`]: {
    need: 'nobody',
    effect: 'none',
    send: (u, _c, t) =>
      click(u, { type: 'static_select', action_id: ActionId.revokeReason }, modal(CallbackId.revoke), t),
  },
  [`action:${ActionId.reenableAck}`]: {
    need: 'nobody',
    effect: 'none',
    send: (u, _c, t) => click(u, { type: 'checkboxes', action_id: ActionId.reenableAck }, modal(CallbackId.enable), t),
  },
  [`action:${ActionId.reenableExpires}`]: {
    need: 'nobody',
    effect: 'none',
    send: (u, _c, t) =>
      click(u, { type: 'static_select', action_id: ActionId.reenableExpires }, modal(CallbackId.enable), t),
  },
  [`action:${ActionId.keyStored}`]: {
    need: 'viewer',
    effect: 'ui',
    prepare: () => freshKey(),
    send: (u, c, t) => click(u, { action_id: ActionId.keyStored, value: c.key }, modal(CallbackId.showOnce), t),
    check: noKeyIdsForNobody,
  },
  [`action:${ActionId.revokeConfirm}`]: {
    need: 'admin',
    effect: 'db',
    prepare: () => freshKey(),
    send: (u, c, t) => click(u, { action_id: ActionId.revokeConfirm, value: c.key }, modal(CallbackId.revoke), t),
  },
  [`action:${ActionId.enableConfirm}`]: {
    need: 'admin',
    effect: 'db',
    prepare: () => freshKey(true),
    send: (u, c, t) => click(u, { action_id: ActionId.enableConfirm, value: c.key }, modal(CallbackId.enable), t),
  },
  [`action:${ActionId.partnerAdd}`]: {
    need: 'admin',
    effect: 'ui',
    send: (u, _c, t) => click(u, { action_id: ActionId.partnerAdd }, modal(CallbackId.partners), t),
  },
  [`action:${ActionId.partnerEdit}`]: {
    need: 'admin',
    effect: 'ui',
    prepare: () => freshPartner(),
    send: (u, c, t) => click(u, { action_id: ActionId.partnerEdit, value: c.partner }, modal(CallbackId.partners), t),
  },
  [`action:${ActionId.roleRemove}`]: {
    need: 'admin',
    effect: 'db',
    prepare: async () => {
      const user = `U0GRANTEE${++sequence}`;
      await rt.roles.grant(user, 'approver', 'test');
      return { user };
    },
    send: (u, c, t) =>
      click(u, { action_id: ActionId.roleRemove, value: `${c.user}|approver` }, modal(CallbackId.roles, '{"r":0}'), t),
  },
  [`action:${ActionId.approvalApprove}`]: {
    need: 'approver-not-requester',
    effect: 'db',
    prepare: freshRequest,
    send: (u, c, t) => click(u, { action_id: ActionId.approvalApprove, value: c.request }, modal('x'), t),
  },
  [`action:${ActionId.approvalDeny}`]: {
    need: 'approver',
    effect: 'ui',
    prepare: freshRequest,
    send: (u, c, t) => click(u, { action_id: ActionId.approvalDeny, value: c.request }, modal('x'), t),
  },
  [`action:${ActionId.revealKey}`]: {
    need: 'requester',
    effect: 'db',
    prepare: async () => {
      const { request } = await freshRequest();
      const result = await rt.approvals.decide(request, { approver: APPROVER, decision: 'approve' });
      if (result.outcome !== 'executed' || result.reveal === undefined) throw new Error(`no reveal: ${result.outcome}`);
      return { reveal: result.reveal.id };
    },
    send: (u, c, t) => click(u, { action_id: ActionId.revealKey, value: c.reveal }, modal('x'), t),
  },
  [`action:${ActionId.deliveryStored}`]: {
    need: 'nobody',
    effect: 'db',
    send: (u, _c, t) => click(u, { action_id: ActionId.deliveryStored, value: 'dlv_AAAAAAAAAAAA' }, modal('x'), t),
    note: 'only the contact a key was sent to may confirm: none of these roles is; the contact case is in slack-delivery.test.ts',
  },
  [`action:${ActionId.partnerPgp}`]: {
    need: 'admin',
    effect: 'ui',
    prepare: () => freshPartner(),
    send: (u, c, t) => click(u, { action_id: ActionId.partnerPgp, value: c.partner }, modal(CallbackId.partnerForm), t),
  },
  [`action:${ActionId.partnerPgpConfirm}`]: {
    need: 'admin',
    effect: 'ui',
    prepare: () => freshPartner(),
    send: (u, c, t) =>
      click(u, { action_id: ActionId.partnerPgpConfirm, value: c.partner }, modal(CallbackId.partnerForm), t),
  },
  [`action:${ActionId.partnerArchive}`]: {
    need: 'admin',
    effect: 'db',
    prepare: () => freshPartner(),
    send: (u, c, t) =>
      click(u, { action_id: ActionId.partnerArchive, value: c.partner }, modal(CallbackId.partnerForm), t),
  },
  [`view:${CallbackId.create}`]: {
    need: 'admin',
    effect: 'ui',
    send: (u, _c, t) =>
      submit(
        u,
        modal(CallbackId.create, JSON.stringify({ r: 0, pid: null })),
        {
          'description.0': input('Matrix create'),
          partner: { [ActionId.createPartner]: { type: 'static_select', selected_option: { value: NO_PARTNER } } },
        },
        t,
      ),
  },
  [`view:${CallbackId.permissions}`]: {
    need: 'admin',
    effect: 'db',
    send: (u, _c, t) =>
      submit(
        u,
        modal(
          CallbackId.permissions,
          JSON.stringify({
            f: 'create',
            p: 0,
            r: 0,
            s: oneEndpoint().encode(),
            c: catalogFingerprint(catalog()),
            partnerId: null,
            pn: null,
            ps: 0,
            d: `Matrix ${++sequence}`,
            dl: null,
          }),
        ),
        {},
        t,
      ),
  },
  [`view_closed:${CallbackId.showOnce}`]: {
    need: 'anyone',
    effect: 'ui',
    send: (u, _c, t) => slack.interaction(forge(viewClosed(u, modal(CallbackId.showOnce)), t)),
    check: noKeyIdsForNobody,
  },
  [`view:${CallbackId.edit}`]: {
    need: 'admin',
    effect: 'ui',
    prepare: () => freshKey(),
    send: (u, c, t) =>
      submit(
        u,
        modal(
          CallbackId.edit,
          JSON.stringify({
            f: 'edit',
            p: 0,
            r: 0,
            s: oneEndpoint().encode(),
            c: catalogFingerprint(catalog()),
            k: c.key,
            v: Number(c.version),
            d: 'old',
            u: [null, null, null],
          }),
        ),
        { description: input('Changed by matrix') },
        t,
      ),
  },
  [`view:${CallbackId.editConfirm}`]: {
    need: 'admin',
    effect: 'db',
    prepare: () => freshKey(),
    send: (u, c, t) =>
      submit(
        u,
        modal(
          CallbackId.editConfirm,
          JSON.stringify({
            k: c.key,
            v: Number(c.version),
            d: 'Changed by matrix',
            s: Selection.empty(catalog().endpoints.length).encode(),
            c: catalogFingerprint(catalog()),
          }),
        ),
        // Every permission removed: the review's "remove every permission" tick is set.
        { confirm_empty: { value: { type: 'checkboxes', selected_options: [{ value: 'yes' }] } } },
        t,
      ),
  },
  [`view:${CallbackId.replace}`]: {
    need: 'admin',
    effect: 'db',
    prepare: () => freshKey(),
    send: (u, c, t) => submit(u, modal(CallbackId.replace, JSON.stringify({ k: c.key })), { grace: selected('0') }, t),
  },
  [`view:${CallbackId.upgrade}`]: {
    need: 'admin',
    effect: 'db',
    prepare: () => freshKey(),
    send: (u, c, t) =>
      submit(u, modal(CallbackId.upgrade, JSON.stringify({ k: c.key })), { grace: selected('604800') }, t),
  },
  [`view:${CallbackId.partnerForm}`]: {
    need: 'admin',
    effect: 'db',
    send: (u, _c, t) =>
      submit(
        u,
        modal(
          CallbackId.partnerForm,
          JSON.stringify({
            f: 'partner',
            p: 0,
            r: 0,
            s: oneEndpoint().encode(),
            c: catalogFingerprint(catalog()),
            id: null,
            n: '',
            u: [],
          }),
        ),
        { partner_name: input(`Matrix Partner ${++sequence}`) },
        t,
      ),
  },
  [`view:${CallbackId.roles}`]: {
    need: 'admin',
    effect: 'db',
    send: (u, _c, t) =>
      submit(
        u,
        modal(CallbackId.roles, '{"r":0}'),
        {
          'role_users.0': { value: { type: 'multi_users_select', selected_users: [`U0NEWAPPROVER${++sequence}`] } },
          'role_kind.0': selected('approver'),
        },
        t,
      ),
  },
  [`view:${CallbackId.approvalDeny}`]: {
    need: 'approver-not-requester',
    effect: 'db',
    prepare: freshRequest,
    send: (u, c, t) => submit(u, modal(CallbackId.approvalDeny, c.request), { deny_reason: input('Not like this') }, t),
  },
  // An expiry reminder's buttons open the key's Replace dialog or Extend; Extend's submit changes (or holds) the key.
  [`action:${ActionId.reminderReplace}`]: {
    need: 'admin',
    effect: 'ui',
    prepare: freshExpiring,
    send: (u, c, t) =>
      click(u, { action_id: ActionId.reminderReplace, value: `${c.key}:${c.ends}` }, modal(CallbackId.notice), t),
  },
  [`action:${ActionId.reminderExtend}`]: {
    need: 'admin',
    effect: 'ui',
    prepare: freshExpiring,
    send: (u, c, t) =>
      click(u, { action_id: ActionId.reminderExtend, value: `${c.key}:${c.ends}` }, modal(CallbackId.notice), t),
  },
  [`view:${CallbackId.extend}`]: {
    need: 'admin',
    effect: 'db',
    prepare: freshExpiring,
    send: (u, c, t) =>
      submit(
        u,
        modal(CallbackId.extend, JSON.stringify({ k: c.key, v: Number(c.version), x: Number(c.ends) })),
        { expires: selected('30') },
        t,
      ),
  },
  [`view:${CallbackId.partnerPgp}`]: {
    need: 'admin',
    effect: 'db',
    prepare: () => freshPartner(),
    send: async (u, c, t) =>
      submit(
        u,
        modal(CallbackId.partnerPgp, JSON.stringify({ pid: c.partner })),
        { pgp_armored: input(await armoredKey()) },
        t,
      ),
  },
  [`view:${CallbackId.partnerPgpConfirm}`]: {
    need: 'admin',
    effect: 'db',
    prepare: async () => {
      const { partner } = await freshPartner();
      const stored = await rt.partnerPgp.setPgpKey(partner, await armoredKey(), 'cli:matrix');
      return { partner, fingerprint: stored.key.fingerprint };
    },
    send: (u, c, t) =>
      submit(
        u,
        modal(CallbackId.partnerPgpConfirm, JSON.stringify({ pid: c.partner })),
        { pgp_fingerprint: input(c.fingerprint ?? '') },
        t,
      ),
  },
};

function pickerView() {
  const meta = {
    f: 'create',
    p: 0,
    r: 0,
    s: oneEndpoint().encode(),
    c: catalogFingerprint(catalog()),
    partnerId: null,
    pn: null,
    ps: 0,
    d: 'Picker',
    dl: null,
  };
  return modal(CallbackId.permissions, JSON.stringify(meta));
}

// ---- running one attempt ----------------------------------------------------------------------------------------

/** Waits until the app has stopped talking to Slack for a moment: its work after the ack is done. */
async function settled(mark: number): Promise<SlackTraffic[]> {
  let seen = -1;
  let quiet = 0;
  while (quiet < 4) {
    await new Promise((resolve) => setTimeout(resolve, 40));
    const now = slack.recorder.since(mark).length;
    quiet = now === seen ? quiet + 1 : 0;
    seen = now;
  }
  return slack.recorder.since(mark);
}

const REFUSAL =
  /Sorry|only admins|Not Allowed|Only approvers|not yours|cannot approve or deny your own|need the admin or approver|only the person/i;
const OPENED = new Set(['views.open', 'views.push', 'views.update', 'views.publish']);

function opened(traffic: SlackTraffic[]): boolean {
  return traffic.some((t) => {
    if (t.kind === 'api' && OPENED.has(t.name)) return !REFUSAL.test(t.raw) || t.name === 'views.publish';
    if (t.kind === 'ack' && t.body.view !== undefined) return !REFUSAL.test(t.raw);
    if (t.kind === 'response_url') return !REFUSAL.test(String(t.body.text ?? ''));
    return false;
  });
}

/**
 * Waits (up to 5 s) for what the attempt is expected to show before waiting for quiet: on a loaded machine the work
 * after the ack can pause longer than the quiet window, and the outcome would be read too early. The outcome itself
 * is still asserted afterwards, on everything sent until the app went quiet.
 */
async function awaitExpected(mark: number, expected: ((traffic: SlackTraffic[]) => boolean) | undefined) {
  if (expected === undefined) return;
  const deadline = Date.now() + 5000;
  while (!expected(slack.recorder.since(mark)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function attempt(probe: Probe, user: string, team: Team, expected?: (traffic: SlackTraffic[]) => boolean) {
  const ctx = (await probe.prepare?.()) ?? {};
  const before = await snapshotDatabase(rt.db.sql);
  const mark = slack.recorder.mark();
  const answer = (await probe.send(user, ctx, team)) as { status: number };
  await awaitExpected(mark, expected);
  const traffic = await settled(mark);
  const changed = changedTables(before, await snapshotDatabase(rt.db.sql));
  return { status: answer.status, traffic, changed };
}

async function assertRole(name: string, probe: Probe, role: Role) {
  const allowed = permits[probe.need](role);
  const toldRefusal = !allowed && probe.effect !== 'none' && probe.need !== 'nobody';
  const expected =
    probe.effect === 'ui' && allowed
      ? opened
      : toldRefusal
        ? (traffic: SlackTraffic[]) => REFUSAL.test(traffic.map((t) => t.raw).join('\n'))
        : undefined;
  const { status, traffic, changed } = await attempt(probe, userOf[role], undefined, expected);
  const where = `${name} as ${role}`;
  expect(status, where).toBe(200);
  if (probe.effect === 'db') {
    if (allowed) expect(changed, where).not.toEqual([]);
    else expect(changed, where).toEqual([]);
  } else {
    expect(changed, where).toEqual([]);
  }
  if (probe.effect === 'ui') expect(opened(traffic), where).toBe(allowed);
  // A refused attempt is told so (except where there is nothing to refuse: acks of ticks and menus).
  if (!allowed && probe.effect !== 'none' && probe.need !== 'nobody')
    expect(traffic.map((t) => t.raw).join('\n'), where).toMatch(REFUSAL);
  probe.check?.(role, allowed, traffic);
}

const ROLES: Role[] = ['none', 'approver', 'requester', 'admin'];

describe('the matrix covers everything the app registers', () => {
  it('has a row for every listener and every id', () => {
    const rows = new Set(Object.keys(listeners));
    const missing = registered.filter((r) => !rows.has(r));
    expect(missing, 'listeners without a matrix row').toEqual([]);
    const stale = [...rows].filter((r) => !registered.includes(r));
    expect(stale, 'matrix rows for listeners that no longer exist').toEqual([]);
    // Ids that are not listeners themselves: dialogs whose buttons or closing are the listeners, and the input id.
    const notListeners = new Set<string>([
      ActionId.input,
      CallbackId.showOnce,
      CallbackId.revoke,
      CallbackId.enable,
      CallbackId.partners,
      CallbackId.notice,
      CallbackId.delivered,
      CallbackId.legacyEndpoints,
      // Read-only dialogs opened from the App Home: nothing to submit.
      CallbackId.keyView,
      CallbackId.keyHistory,
      CallbackId.help,
      CallbackId.approvals,
    ]);
    const ids = [
      ...Object.values(ActionId).map((id) => ({ id, kinds: ['action', 'options'] })),
      ...Object.values(CallbackId).map((id) => ({ id, kinds: ['view', 'view_closed'] })),
    ];
    const uncovered = ids.filter(({ id, kinds }) => {
      if (notListeners.has(id)) return false;
      return (
        !kinds.some((k) => rows.has(`${k}:${id}`)) &&
        ![...rows].some((r) => r.startsWith('action:/^') && new RegExp(r.slice(8, -1)).test(`${id}.x`))
      );
    });
    expect(
      uncovered.map((u) => u.id),
      'ids without a listener row (add a row, or say why it is not a listener)',
    ).toEqual([]);
  });

  it('has a row for every subcommand the command handles', () => {
    const handled = new Set(SUBCOMMANDS.flatMap((s) => s.names));
    handled.add('help');
    expect([...handled].sort()).toEqual(Object.keys(commands).sort());
  });
});

describe('every role gets exactly what its role allows', () => {
  for (const [text, probe] of Object.entries(commands)) {
    it(`/harvest-keys ${text}`, async () => {
      for (const role of ROLES) await assertRole(`/harvest-keys ${text}`, probe, role);
    });
  }
  for (const [name, probe] of Object.entries(listeners)) {
    it(`${name}${probe.note === undefined ? '' : ` (${probe.note})`}`, async () => {
      for (const role of ROLES) await assertRole(name, probe, role);
    });
  }
});

describe('validly signed requests naming another workspace do nothing', () => {
  const forged: [string, Team][] = [
    ['another team', { team: OTHER_TEAM, userTeam: OTHER_TEAM }],
    ['our team but a user of another team (Slack Connect guest)', { team: TEAM.id, userTeam: OTHER_TEAM }],
  ];
  for (const [label, team] of forged) {
    // Every entry point in one test, so a longer timeout: its time grows with each listener added.
    it(`refuses every entry point from ${label}, even for an admin's user id`, async () => {
      for (const [name, probe] of [
        ...Object.entries(commands).map(([t, p]) => [`/harvest-keys ${t}`, p] as const),
        ...Object.entries(listeners),
      ]) {
        // A command has no user team field: only the first form applies.
        if (name.startsWith('/harvest-keys') || name.startsWith('command:') || name.startsWith('event:')) {
          if (team?.team === TEAM.id) continue;
        }
        const { status, traffic, changed } = await attempt(probe, ADMIN, team);
        expect(status, name).toBe(200);
        expect(changed, name).toEqual([]);
        if (name === `action:${ActionId.deliveryStored}` && team?.team === TEAM.id) {
          // The partner contact is usually such a guest: the click reaches the delivery service, which checks the contact.
          expect(traffic.map((t) => t.raw).join(''), name).toContain('not known here');
          continue;
        }
        expect(
          traffic.filter((t) => t.kind !== 'ack'),
          name,
        ).toEqual([]);
        expect(traffic.map((t) => t.raw).join(''), name).not.toMatch(/key_[A-Za-z0-9]{6,}|Matrix Partner/);
      }
      expect(logs.text()).toContain('refused: request from another Slack workspace');
    }, 120_000);
  }
});
