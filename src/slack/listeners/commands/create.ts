import { createDialog, openDialog } from '../../flows/dialogs.ts';
import { subcommand } from '../listener.ts';

/** `create`: the "Create New Credential" dialog. */
export const create = subcommand({
  names: ['create'],
  role: 'admin',
  call: ({ deps, userId }) => createDialog(deps, userId),
  render: (turn, view) => openDialog(turn, turn.triggerId, view, 'create'),
});
