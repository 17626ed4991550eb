import { decodeMeta, HomeMeta } from '../../flows/metadata.ts';
import { ActionId } from '../../ui/ids.ts';
import { action } from '../listener.ts';

function homeState(view: { private_metadata?: string } | undefined): HomeMeta {
  try {
    return decodeMeta(HomeMeta, view?.private_metadata);
  } catch {
    return { q: '', p: 0 };
  }
}

/** The App Home's Previous / Next buttons: the page asked for, with the search the page was showing. */
export const homePage = action({
  id: new RegExp(`^${ActionId.homePage.replace('.', '\\.')}`),
  ids: ({ body, value }) => {
    const page = Number.parseInt(value === '' ? '0' : value, 10);
    return { query: homeState(body.view).q, page: Number.isFinite(page) && page >= 0 ? page : 0 };
  },
  role: 'anyone',
  render: (turn) => turn.home({ q: turn.ids.query, p: turn.ids.page }),
});
