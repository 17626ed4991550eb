import { ActionId } from '../../ui/ids.ts';
import { acknowledged } from '../listener.ts';

/** Picking a lifetime in Re-enable needs no answer: it is read from the view state on confirm. */
export const reenableExpires = acknowledged(ActionId.reenableExpires);
