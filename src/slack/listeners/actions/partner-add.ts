import { slackCall } from '../../flows/actor.ts';
import { partnerForm } from '../../flows/dialogs.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** "Add partner" in the partners dialog: the empty partner form in its place. */
export const partnerAdd = action({
  id: ActionId.partnerAdd,
  ids: ({ body }) => body.view ?? stop(),
  role: 'admin',
  call: ({ deps }) => partnerForm(deps, undefined),
  render: (turn, form) =>
    slackCall(turn, 'opening the partner form', () => turn.client.views.update({ view_id: turn.ids.id, view: form })),
});
