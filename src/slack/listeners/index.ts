import { alertRestore } from './actions/alert-restore.ts';
import { approvalApprove } from './actions/approval-approve.ts';
import { attentionRevoke } from './actions/attention-revoke.ts';
import { approvalDeny } from './actions/approval-deny.ts';
import { createPartner } from './actions/create-partner.ts';
import { deliveryStored } from './actions/delivery-stored.ts';
import { enableConfirm } from './actions/enable-confirm.ts';
import { homeCreate } from './actions/home-create.ts';
import { homeClear, homeFilterFlags, homeFilterPartner, homeFilterStatus } from './actions/home-filter.ts';
import { homeApprovals, homeHelp, homePartners, homeRoles } from './actions/home-navigation.ts';
import { homePage } from './actions/home-page.ts';
import { homeSearch } from './actions/home-search.ts';
import { keyMenu } from './actions/key-menu.ts';
import { keyHistory } from './actions/key-history.ts';
import { keyUpgrade } from './actions/key-upgrade.ts';
import { upgradeSubmit } from './views/upgrade.ts';
import { keyView } from './actions/key-view.ts';
import { keyLegacyConvert } from './actions/key-legacy-convert.ts';
import { keyTrim } from './actions/key-trim.ts';
import { keyStored } from './actions/key-stored.ts';
import { leakReplace } from './actions/leak-replace.ts';
import { legacyEndpoints } from './actions/legacy-endpoints.ts';
import { partnerAdd } from './actions/partner-add.ts';
import { partnerArchive } from './actions/partner-archive.ts';
import { partnerEdit } from './actions/partner-edit.ts';
import { partnerPgp } from './actions/partner-pgp.ts';
import { partnerPgpConfirm } from './actions/partner-pgp-confirm.ts';
import { partnerSearch } from './actions/partner-search.ts';
import { pickerAll } from './actions/picker-all.ts';
import { pickerCheck } from './actions/picker-check.ts';
import { pickerGroup } from './actions/picker-group.ts';
import { pickerNone } from './actions/picker-none.ts';
import { pickerPage } from './actions/picker-page.ts';
import { pickerFilterClear } from './actions/picker-filter-clear.ts';
import { pickerReadOnly } from './actions/picker-read-only.ts';
import { pickerResource } from './actions/picker-resource.ts';
import { pickerSearch } from './actions/picker-search.ts';
import { revealKey } from './actions/reveal-key.ts';
import { revokeConfirm } from './actions/revoke-confirm.ts';
import { revokeReason } from './actions/revoke-reason.ts';
import { roleRemove } from './actions/role-remove.ts';
import { harvestKeys } from './commands/harvest-keys.ts';
import { appHomeOpened } from './events/app-home-opened.ts';
import type { Listener } from './listener.ts';
import { approvalDenySubmit } from './views/approval-deny.ts';
import { createSubmit } from './views/create.ts';
import { editSubmit } from './views/edit.ts';
import { editConfirmSubmit } from './views/edit-confirm.ts';
import { partnerFormSubmit } from './views/partner-form.ts';
import { partnerPgpSubmit } from './views/partner-pgp.ts';
import { partnerPgpConfirmSubmit } from './views/partner-pgp-confirm.ts';
import { permissionsSubmit } from './views/permissions.ts';
import { replaceSubmit } from './views/replace.ts';
import { rolesSubmit } from './views/roles.ts';
import { reenableAck } from './actions/reenable-ack.ts';
import { showOnceClosed } from './views/show-once-closed.ts';
import { reenableExpires } from './actions/reenable-expires.ts';
import { reminderExtend } from './actions/reminder-extend.ts';
import { reminderReplace } from './actions/reminder-replace.ts';
import { extendSubmit } from './views/extend.ts';

/** Every Slack entry point of the app, in the order app.ts registers them. */
export const LISTENERS: readonly Listener[] = [
  harvestKeys,
  appHomeOpened,
  // App Home and message buttons
  homeCreate,
  homeSearch,
  homePage,
  keyMenu,
  // Create New Credential
  createPartner,
  partnerSearch,
  createSubmit,
  // The permission picker (create, edit, partner form)
  pickerAll,
  pickerNone,
  pickerGroup,
  pickerPage,
  pickerCheck,
  permissionsSubmit,
  keyStored,
  showOnceClosed,
  // Edit, revoke, re-enable, replace
  editSubmit,
  editConfirmSubmit,
  revokeReason,
  revokeConfirm,
  enableConfirm,
  replaceSubmit,
  // Alerts
  leakReplace,
  // Partners and roles
  partnerAdd,
  partnerEdit,
  partnerFormSubmit,
  partnerPgp,
  partnerPgpConfirm,
  partnerPgpSubmit,
  partnerPgpConfirmSubmit,
  roleRemove,
  rolesSubmit,
  // Approvals
  approvalApprove,
  approvalDeny,
  approvalDenySubmit,
  revealKey,
  // The partner contact's delivery DM
  deliveryStored,
  // The legacy rule's endpoint list (show, edit, replace)
  legacyEndpoints,
  // The permission picker's filter and read-only shortcut
  pickerResource,
  pickerSearch,
  pickerFilterClear,
  pickerReadOnly,
  // Archiving a partner (issue 12 item 7)
  partnerArchive,
  // Re-enable of a key revoked as lost or leaked
  reenableAck,
  // App Home navigation and filters, a key's read-only view
  homePartners,
  homeRoles,
  homeApprovals,
  homeHelp,
  homeFilterStatus,
  homeFilterPartner,
  homeFilterFlags,
  homeClear,
  keyView,
  reenableExpires,
  // Expiry reminders' buttons, and Extend
  reminderReplace,
  reminderExtend,
  extendSubmit,
  // Buttons on alerts and the Home's "Needs attention" (issue 16)
  alertRestore,
  attentionRevoke,
  // A key's History (issue 17)
  keyHistory,
  // "Upgrade to v3": a key made a Harvest v3 client (issue 15)
  keyUpgrade,
  upgradeSubmit,
  // A key view's changes drawn from its use (issue 16)
  keyTrim,
  keyLegacyConvert,
];
