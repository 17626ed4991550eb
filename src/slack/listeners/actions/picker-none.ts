import { changePicker, showPicker } from '../../flows/picker.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** The permission picker's "Clear all". */
export const pickerNone = action({
  id: ActionId.pickerNone,
  ids: ({ body }) => body.view ?? stop(),
  role: 'admin',
  call: ({ deps, ids: view }) => changePicker(deps, view, { kind: 'none' }),
  render: (turn, rendered) => showPicker(turn, turn.ids, rendered),
});
