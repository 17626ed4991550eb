/**
 * Every action_id, callback_id and block_id the app uses. Listeners and builders share these constants, so a rename
 * cannot leave a button without its handler.
 */
export const ActionId = {
  homeCreate: 'home.create',
  homeSearch: 'home.search',
  homePage: 'home.page',
  keyMenu: 'key.menu',
  /** "Restore permission" on a denial-burst alert: gives the key back the endpoint an edit took away. */
  alertRestore: 'alert.restore',
  /** "Revoke" beside a key the weekly digest or the Home's "Needs attention" lists: opens the revoke dialog. */
  attentionRevoke: 'attention.revoke',
  createPartner: 'create.partner',
  pickerCheck: 'picker.check',
  pickerAll: 'picker.all',
  pickerNone: 'picker.none',
  pickerGroup: 'picker.group',
  pickerPage: 'picker.page',
  keyStored: 'key.stored',
  revokeConfirm: 'key.revoke.confirm',
  revokeReason: 'key.revoke.reason',
  enableConfirm: 'key.enable.confirm',
  partnerAdd: 'partner.add',
  partnerEdit: 'partner.edit',
  roleRemove: 'role.remove',
  approvalApprove: 'approval.approve',
  approvalDeny: 'approval.deny',
  revealKey: 'approval.reveal',
  /** The partner contact's "I have stored the API Key" in the delivery DM: works without a role. */
  deliveryStored: 'delivery.stored',
  partnerPgp: 'partner.pgp',
  partnerPgpConfirm: 'partner.pgp.confirm',
  /** "Archive partner" in the partner form (with a confirmation). */
  partnerArchive: 'partner.archive',
  input: 'value',
  /** "List the 52": the endpoints a legacy key may call without grants (show, edit, replace). */
  legacyEndpoints: 'legacy.endpoints',
  /** The permission picker's filter: a resource menu, a search field (Enter), Show all; and the read-only shortcut. */
  pickerResource: 'picker.resource',
  pickerSearch: 'picker.search',
  pickerFilterClear: 'picker.filter.clear',
  pickerReadOnly: 'picker.readonly',
  /** The "I know this key was reported lost or leaked" tick beside Re-enable: read on confirm. */
  reenableAck: 'key.enable.ack',
  /** App Home navigation and filters. */
  homePartners: 'home.partners',
  homeRoles: 'home.roles',
  homeApprovals: 'home.approvals',
  homeHelp: 'home.help',
  homeFilterStatus: 'home.filter.status',
  homeFilterPartner: 'home.filter.partner',
  homeFilterFlags: 'home.filter.flags',
  homeClear: 'home.clear',
  /** A key's read-only view (every role); admins reach it from the key menu too. */
  keyView: 'key.view',
  /** A key's History (its latest audit events): the key view's button; admins also have it in the key menu. */
  keyHistory: 'key.history',
  /** "Upgrade to v3" in the key view (admins; plain keys that still work): opens the upgrade dialog. */
  keyUpgrade: 'key.upgrade',
  /** The Expires select of the re-enable dialog (an actions block: the dialog confirms with a button): read on confirm. */
  reenableExpires: 'key.enable.expires',
  /** "Replace and deliver" on a leak alert (GitHub secret scanning): opens the key's replace dialog. */
  leakReplace: 'leak.replace',
  /** An expiry reminder's buttons (alerts channel and DMs): value `reminderValue`. */
  reminderReplace: 'reminder.replace',
  reminderExtend: 'reminder.extend',
  /** A key view's "Remove N unused permissions" and "Convert to explicit permissions" (issue 16): open the review. */
  keyTrim: 'key.trim',
  keyLegacyConvert: 'key.legacy.convert',
} as const;

export const CallbackId = {
  create: 'key.create',
  permissions: 'key.permissions',
  showOnce: 'key.show-once',
  edit: 'key.edit',
  editConfirm: 'key.edit.confirm',
  revoke: 'key.revoke',
  enable: 'key.enable',
  replace: 'key.replace',
  /** "Upgrade to v3": a Harvest v3 client made from a key, the key ending after a grace. */
  upgrade: 'key.upgrade',
  partners: 'partners',
  partnerForm: 'partner.form',
  roles: 'roles',
  notice: 'notice',
  approvalDeny: 'approval.deny',
  partnerPgp: 'partner.pgp',
  partnerPgpConfirm: 'partner.pgp.confirm',
  delivered: 'key.delivered',
  legacyEndpoints: 'legacy.endpoints',
  keyView: 'key.view',
  keyHistory: 'key.history',
  help: 'help',
  approvals: 'approvals',
  /** Extend, from an expiry reminder: a new expiry only. */
  extend: 'key.extend',
} as const;

/** The create dialog's API type choice: a key, or a Harvest v3 (OAuth) client. */
export const API_TYPE_KEY = 'catalog';
export const API_TYPE_CLIENT = 'oauth_client';

export const BlockId = {
  apiType: 'api_type',
  partner: 'partner',
  description: 'description',
  grace: 'grace',
  revokeReason: 'revoke_reason',
  partnerName: 'partner_name',
  partnerContacts: 'partner_contacts',
  roleUsers: 'role_users',
  roleKind: 'role_kind',
  homeSearch: 'home_search',
  approvalActions: 'approval',
  denyReason: 'deny_reason',
  pgpArmored: 'pgp_armored',
  pgpFile: 'pgp_file',
  pgpFingerprint: 'pgp_fingerprint',
  /** Create / replace hand-over choice: `delivery.<revision>`, so a partner change resets the default. */
  delivery: 'delivery',
  deliveryActions: 'delivery_actions',
  partnerArchive: 'partner_archive',
  /** Picker checkbox blocks: `pk.<revision>.<group>.<chunk>`; the revision forces Slack to show new initial_options. */
  pickerPrefix: 'pk',
  /** The picker's search field and toolbar: `<id>.<revision>`, so a redraw shows the filter it applied. */
  pickerSearch: 'pk_search',
  pickerTools: 'pk_tools',
  /** "Remove every permission" acknowledgement in Edit's review. */
  confirmEmpty: 'confirm_empty',
  /** "I know this key was reported lost or leaked" in Re-enable. */
  reenableAck: 'reenable_ack',
  homeNav: 'home_nav',
  homeFilters: 'home_filters',
  /** The Expires select of the create, edit and replace dialogs (an actions block in re-enable). */
  expires: 'expires',
  /** Allowed networks, one per line (create, edit, partner form). */
  networks: 'networks',
  /** The key view's buttons drawn from its use (trim, legacy conversion). */
  keyInsights: 'key_insights',
} as const;

/** Overflow option values: `<verb>:<key id>`. */
export type KeyMenuVerb = 'view' | 'edit' | 'revoke' | 'enable' | 'replace' | 'history' | 'upgrade';
export const keyMenuValue = (verb: KeyMenuVerb, keyId: string): string => `${verb}:${keyId}`;
export function parseKeyMenuValue(value: string): { verb: KeyMenuVerb; keyId: string } | undefined {
  const match = /^(view|edit|revoke|enable|replace|history|upgrade):(key_[A-Za-z0-9]+)$/.exec(value);
  return match === null ? undefined : { verb: match[1] as KeyMenuVerb, keyId: match[2] as string };
}

export const KEY_ID = /^key_[A-Za-z0-9]{6,40}$/;

/**
 * A reminder button's value: the key and the end it was reminded of (epoch ms), so a click after the key was
 * extended, or otherwise changed, is recognised as stale.
 */
export const reminderValue = (keyId: string, endsAt: Date): string => `${keyId}:${endsAt.getTime()}`;
export function parseReminderValue(value: string): { keyId: string; endsAt: number } | undefined {
  const match = /^(key_[A-Za-z0-9]{6,40}):(\d{1,15})$/.exec(value);
  return match === null ? undefined : { keyId: match[1] as string, endsAt: Number(match[2]) };
}

/** A Restore button's value: the key and the endpoint id (`GET /v1/users`) to give back. */
export const restoreValue = (keyId: string, endpointId: string): string => `${keyId} ${endpointId}`;
export function parseRestoreValue(value: string): { keyId: string; endpointId: string } | undefined {
  const match = /^(key_[A-Za-z0-9]+) ([A-Z]+ \/\S{0,1000})$/.exec(value);
  return match === null ? undefined : { keyId: match[1] as string, endpointId: match[2] as string };
}
