import { slackCall } from '../../flows/actor.ts';
import { pgpDialog } from '../../flows/partner-pgp.ts';
import { ActionId } from '../../ui/ids.ts';
import { action } from '../listener.ts';

/** "Confirm fingerprint" in the partner form: pushes the out-of-band confirmation step for a key stored earlier. */
export const partnerPgpConfirm = action({
  id: ActionId.partnerPgpConfirm,
  ids: ({ value }) => ({ partnerId: value }),
  role: 'admin',
  call: ({ deps, ids }) => pgpDialog(deps, ids.partnerId, 'confirm'),
  render: (turn, view) =>
    slackCall(turn, 'opening the PGP key dialog', () =>
      turn.client.views.push({ trigger_id: turn.body.trigger_id, view }),
    ),
});
