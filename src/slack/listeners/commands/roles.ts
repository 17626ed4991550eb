import { rolesView } from '../../blocks/admin-views.ts';
import { openDialog } from '../../flows/dialogs.ts';
import { subcommand } from '../listener.ts';

/** `roles`: who is admin or approver, and the form to grant a role. */
export const roles = subcommand({
  names: ['roles'],
  role: 'admin',
  call: ({ deps }) => deps.services.roles.list(),
  render: (turn, grants) =>
    openDialog(turn, turn.triggerId, rolesView({ grants, revision: 0, viewer: turn.userId }), 'roles'),
});
