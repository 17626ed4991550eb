import { homeStateOf } from '../../flows/home-publisher.ts';
import { ActionId } from '../../ui/ids.ts';
import { action } from '../listener.ts';

/** The App Home's Previous / Next buttons: the page asked for, with the search and filters the page was showing. */
export const homePage = action({
  id: new RegExp(`^${ActionId.homePage.replace('.', '\\.')}`),
  ids: ({ body, value }) => {
    const page = Number.parseInt(value === '' ? '0' : value, 10);
    return { state: homeStateOf(body.view), page: Number.isFinite(page) && page >= 0 ? page : 0 };
  },
  role: 'anyone',
  render: (turn) => turn.home({ ...turn.ids.state, p: turn.ids.page }),
});
