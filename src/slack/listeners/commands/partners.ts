import { partnersView } from '../../blocks/admin-views.ts';
import { openDialog } from '../../flows/dialogs.ts';
import { subcommand } from '../listener.ts';

/** `partners`: the partners dialog (contacts, presets, PGP keys). */
export const partners = subcommand({
  names: ['partners'],
  role: 'admin',
  call: ({ deps }) => deps.services.partners.list(),
  render: (turn, list) => openDialog(turn, turn.triggerId, partnersView(list), 'partners'),
});
