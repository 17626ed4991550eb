import { openDialog } from '../../flows/dialogs.ts';
import { partnerListView } from '../../flows/partner-list.ts';
import { subcommand } from '../listener.ts';

/** `partners`: the partners dialog (contacts, presets, PGP key status; archived partners left out). */
export const partners = subcommand({
  names: ['partners'],
  role: 'admin',
  call: ({ deps }) => partnerListView(deps),
  render: (turn, view) => openDialog(turn, turn.triggerId, view, 'partners'),
});
