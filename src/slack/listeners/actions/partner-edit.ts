import { slackCall } from '../../flows/actor.ts';
import { partnerForm } from '../../flows/dialogs.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** A partner's "Edit" in the partners dialog: its form, filled in, in the dialog's place. */
export const partnerEdit = action({
  id: ActionId.partnerEdit,
  ids: ({ body, value }) => (body.view === undefined ? stop() : { view: body.view, partnerId: value }),
  role: 'admin',
  call: async ({ deps, ids }) => partnerForm(deps, await deps.services.partners.get(ids.partnerId)),
  render: (turn, form) =>
    slackCall(turn, 'opening the partner form', () =>
      turn.client.views.update({ view_id: turn.ids.view.id, view: form }),
    ),
});
