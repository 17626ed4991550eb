import { homeOpened, stop } from '../listener.ts';

/** Opening the Home tab shows the API Credential Management page (or, without a role, how to get one). */
export const appHomeOpened = homeOpened({
  ids: (opened) => (opened.tab === 'home' ? {} : stop()),
  render: (turn) => turn.home(),
});
