import { keyDialog, openKeyDialog } from '../../flows/dialogs.ts';
import { ActionId, parseKeyMenuValue } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** A key's overflow menu (App Home, list and show messages): Edit, Revoke or Re-enable, Replace. */
export const keyMenu = action({
  id: ActionId.keyMenu,
  ids: ({ value }) => parseKeyMenuValue(value) ?? stop(),
  role: 'admin',
  answer: 'conversation',
  call: ({ deps, userId, ids }) => keyDialog(deps, ids.verb, ids.keyId, userId),
  render: (turn, dialog) => openKeyDialog(turn, turn.body.trigger_id, dialog),
});
