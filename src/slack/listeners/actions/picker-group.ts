import { changePicker, showPicker } from '../../flows/picker.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** The permission picker's per-group button: selects the whole group, or clears it when all of it was selected. */
export const pickerGroup = action({
  id: ActionId.pickerGroup,
  ids: ({ body, value }) => (body.view === undefined ? stop() : { view: body.view, value }),
  role: 'admin',
  parse: ({ deps, ids }) =>
    /^\d+$/.test(ids.value) && Number(ids.value) < deps.services.catalog.groups.length
      ? { group: Number(ids.value) }
      : stop(),
  call: ({ deps, ids }, { group }) => changePicker(deps, ids.view, { kind: 'group', group }),
  render: (turn, rendered) => showPicker(turn, turn.ids.view, rendered),
});
