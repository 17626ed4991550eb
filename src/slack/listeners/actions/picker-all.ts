import { changePicker, showPicker } from '../../flows/picker.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** The permission picker's "Select all". */
export const pickerAll = action({
  id: ActionId.pickerAll,
  ids: ({ body }) => body.view ?? stop(),
  role: 'admin',
  call: ({ deps, ids: view }) => changePicker(deps, view, { kind: 'all' }),
  render: (turn, rendered) => showPicker(turn, turn.ids, rendered),
});
