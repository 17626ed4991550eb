import { homeStateOf } from '../../flows/home-publisher.ts';
import { ActionId } from '../../ui/ids.ts';
import { action } from '../listener.ts';

/**
 * The App Home's search box (Enter): the first page of matching keys, within the filters shown. Without a role the
 * page says how to get one.
 */
export const homeSearch = action({
  id: ActionId.homeSearch,
  ids: ({ body, value }) => ({ state: homeStateOf(body.view), query: value.trim().slice(0, 100) }),
  role: 'anyone',
  render: (turn) => turn.home({ ...turn.ids.state, q: turn.ids.query, p: 0 }),
});
