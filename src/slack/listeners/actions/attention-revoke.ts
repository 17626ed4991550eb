import { keyDialog, openKeyDialog } from '../../flows/dialogs.ts';
import { ActionId, KEY_ID } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** "Revoke" beside a key in the weekly digest or the Home's "Needs attention": the usual revoke dialog. */
export const attentionRevoke = action({
  id: ActionId.attentionRevoke,
  ids: ({ value }) => (KEY_ID.test(value) ? { keyId: value } : stop()),
  role: 'admin',
  answer: 'clicker',
  call: ({ deps, userId, ids }) => keyDialog(deps, 'revoke', ids.keyId, userId),
  render: (turn, dialog) => openKeyDialog(turn, turn.body.trigger_id, dialog),
});
