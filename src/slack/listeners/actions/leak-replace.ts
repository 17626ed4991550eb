import { keyDialog, openKeyDialog } from '../../flows/dialogs.ts';
import { ActionId, KEY_ID } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/**
 * "Replace and deliver" on a leak alert: the key's replace dialog, which issues the new key and offers the encrypted
 * hand-over to the partner's contacts when the partner has a confirmed PGP key. Admins only; the whole alerts channel
 * sees the button, so a refusal goes to the clicker alone.
 */
export const leakReplace = action({
  id: ActionId.leakReplace,
  ids: ({ value }) => (KEY_ID.test(value) ? { keyId: value } : stop()),
  role: 'admin',
  answer: 'clicker',
  call: ({ deps, ids, userId }) => keyDialog(deps, 'replace', ids.keyId, userId),
  render: (turn, dialog) => openKeyDialog(turn, turn.body.trigger_id, dialog),
});
