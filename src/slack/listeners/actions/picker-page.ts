import { changePicker, showPicker } from '../../flows/picker.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** The permission picker's page buttons (numbered action ids, one per page shown). */
export const pickerPage = action({
  id: new RegExp(`^${ActionId.pickerPage.replace('.', '\\.')}`),
  ids: ({ body, value }) => (body.view === undefined ? stop() : { view: body.view, value }),
  role: 'admin',
  parse: ({ ids }) => (/^\d+$/.test(ids.value) ? { page: Number(ids.value) } : stop()),
  call: ({ deps, ids }, { page }) => changePicker(deps, ids.view, { kind: 'page', page }),
  render: (turn, rendered) => showPicker(turn, turn.ids.view, rendered),
});
