import { changePicker, showPicker } from '../../flows/picker.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** The permission picker's search field (on Enter): endpoints whose name, method, path or resource match. */
export const pickerSearch = action({
  id: ActionId.pickerSearch,
  ids: ({ body, value }) => (body.view === undefined ? stop() : { view: body.view, value }),
  role: 'admin',
  call: ({ deps, ids }) => changePicker(deps, ids.view, { kind: 'search', text: ids.value }),
  render: (turn, rendered) => showPicker(turn, turn.ids.view, rendered),
});
