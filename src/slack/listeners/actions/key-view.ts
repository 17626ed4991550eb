import { keyDialog, openKeyDialog } from '../../flows/dialogs.ts';
import { ActionId, KEY_ID } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** A key row's View button (approvers; admins pick View in the key menu): the key, read-only, in a dialog. */
export const keyView = action({
  id: ActionId.keyView,
  ids: ({ value }) => (KEY_ID.test(value) ? { keyId: value } : stop()),
  role: 'viewer',
  answer: 'conversation',
  call: ({ deps, ids, userId }) => keyDialog(deps, 'view', ids.keyId, userId),
  render: (turn, dialog) => openKeyDialog(turn, turn.body.trigger_id, dialog),
});
