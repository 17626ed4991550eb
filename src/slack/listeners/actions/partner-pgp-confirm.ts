import { slackCall } from '../../flows/actor.ts';
import { partnerFormState, pgpDialog } from '../../flows/partner-pgp.ts';
import { ActionId } from '../../ui/ids.ts';
import { action } from '../listener.ts';

/** "Confirm fingerprint" in the partner form: pushes the out-of-band confirmation step for a key stored earlier. */
export const partnerPgpConfirm = action({
  id: ActionId.partnerPgpConfirm,
  ids: ({ body, value }) => ({ partnerId: value, form: body.view }),
  role: 'admin',
  // The form beneath is redrawn once the key is stored or confirmed: the dialog carries where it is and what it holds.
  call: ({ deps, ids }) => pgpDialog(deps, ids.partnerId, 'confirm', partnerFormState(deps, ids.form)),
  render: (turn, view) =>
    slackCall(turn, 'opening the PGP key dialog', () =>
      turn.client.views.push({ trigger_id: turn.body.trigger_id, view }),
    ),
});
