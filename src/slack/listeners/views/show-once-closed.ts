import { CallbackId } from '../../ui/ids.ts';
import { closed } from '../listener.ts';

/** Closing the show-once dialog (the secret is gone with it): the App Home shows the new key. */
export const showOnceClosed = closed({
  callbackId: CallbackId.showOnce,
  render: (turn) => turn.home(),
});
