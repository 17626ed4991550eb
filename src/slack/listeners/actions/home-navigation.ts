import { rolesView } from '../../blocks/admin-views.ts';
import { approvalsModal, helpModal } from '../../blocks/navigation-views.ts';
import { openDialog } from '../../flows/dialogs.ts';
import { partnerListView } from '../../flows/partner-list.ts';
import { ActionId } from '../../ui/ids.ts';
import { action } from '../listener.ts';

/** The App Home's Partners button: the same dialog as `partners`. */
export const homePartners = action({
  id: ActionId.homePartners,
  role: 'admin',
  call: ({ deps }) => partnerListView(deps),
  render: (turn, view) => openDialog(turn, turn.body.trigger_id, view, 'partners'),
});

/** The App Home's Roles button: the same dialog as `roles`. */
export const homeRoles = action({
  id: ActionId.homeRoles,
  role: 'admin',
  call: ({ deps }) => deps.services.roles.list(),
  render: (turn, grants) =>
    openDialog(turn, turn.body.trigger_id, rolesView({ grants, revision: 0, viewer: turn.userId }), 'roles'),
});

/** The App Home's Approvals button (approvers): every request waiting, by description. */
export const homeApprovals = action({
  id: ActionId.homeApprovals,
  role: 'approver',
  call: ({ deps }) => deps.services.approvals.listPending(),
  render: (turn, pending) => openDialog(turn, turn.body.trigger_id, approvalsModal(pending), 'approvals'),
});

/** The App Home's Help button: what the command can do, for everyone (people without a role too). */
export const homeHelp = action({
  id: ActionId.homeHelp,
  role: 'anyone',
  render: (turn) => openDialog(turn, turn.body.trigger_id, helpModal(turn.deps.command), 'help'),
});
