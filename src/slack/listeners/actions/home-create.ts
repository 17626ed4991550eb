import { createDialog, openDialog } from '../../flows/dialogs.ts';
import { ActionId } from '../../ui/ids.ts';
import { action } from '../listener.ts';

/** The App Home's "Create New API Key" button. */
export const homeCreate = action({
  id: ActionId.homeCreate,
  role: 'admin',
  call: ({ deps, userId }) => createDialog(deps, userId),
  render: (turn, view) => openDialog(turn, turn.body.trigger_id, view, 'create'),
});
