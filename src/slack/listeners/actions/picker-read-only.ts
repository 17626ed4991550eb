import { changePicker, showPicker } from '../../flows/picker.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** The permission picker's "Read-only (GET)": the shown GET endpoints ticked, the other shown endpoints unticked. */
export const pickerReadOnly = action({
  id: ActionId.pickerReadOnly,
  ids: ({ body }) => body.view ?? stop(),
  role: 'admin',
  call: ({ deps, ids: view }) => changePicker(deps, view, { kind: 'readOnly' }),
  render: (turn, rendered) => showPicker(turn, turn.ids, rendered),
});
