import { changePicker, showPicker } from '../../flows/picker.ts';
import { ActionId } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/** The permission picker's resource menu: shows one resource's endpoints, or all of them. */
export const pickerResource = action({
  id: ActionId.pickerResource,
  ids: ({ body, value }) => (body.view === undefined ? stop() : { view: body.view, value }),
  role: 'admin',
  parse: ({ deps, ids }) => {
    if (ids.value === 'all') return { group: undefined };
    return /^\d+$/.test(ids.value) && Number(ids.value) < deps.services.catalog.groups.length
      ? { group: Number(ids.value) }
      : stop();
  },
  call: ({ deps, ids }, { group }) => changePicker(deps, ids.view, { kind: 'resource', group }),
  render: (turn, rendered) => showPicker(turn, turn.ids.view, rendered),
});
