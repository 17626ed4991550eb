import { slackCall } from '../../flows/actor.ts';
import { partnerFormState, pgpDialog } from '../../flows/partner-pgp.ts';
import { ActionId } from '../../ui/ids.ts';
import { action } from '../listener.ts';

/** "Add PGP key" / "Replace PGP key" in the partner form: pushes the dialog to paste or upload the partner's key. */
export const partnerPgp = action({
  id: ActionId.partnerPgp,
  ids: ({ body, value }) => ({ partnerId: value, form: body.view }),
  role: 'admin',
  // The form beneath is redrawn once the key is stored or confirmed: the dialog carries where it is and what it holds.
  call: ({ deps, ids }) => pgpDialog(deps, ids.partnerId, 'key', partnerFormState(deps, ids.form)),
  render: (turn, view) =>
    slackCall(turn, 'opening the PGP key dialog', () =>
      turn.client.views.push({ trigger_id: turn.body.trigger_id, view }),
    ),
});
