import { FRESH_HOME } from '../../flows/home-publisher.ts';
import { homeOpened, stop } from '../listener.ts';

/**
 * Opening the Home tab shows the API Credential Management page (or, without a role, who can grant one). It opens
 * fresh: no search, no filter, the first page (the last search does not stick).
 */
export const appHomeOpened = homeOpened({
  ids: (opened) => (opened.tab === 'home' ? {} : stop()),
  render: (turn) => turn.home(FRESH_HOME),
});
