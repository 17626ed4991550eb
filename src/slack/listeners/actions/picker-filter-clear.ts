import { changePicker, showPicker } from '../../flows/picker.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** The permission picker's "Show all": no resource, no search. */
export const pickerFilterClear = action({
  id: ActionId.pickerFilterClear,
  ids: ({ body }) => body.view ?? stop(),
  role: 'admin',
  call: ({ deps, ids: view }) => changePicker(deps, view, { kind: 'clearFilter' }),
  render: (turn, rendered) => showPicker(turn, turn.ids, rendered),
});
