import { ActionId } from '../../ui/ids.ts';
import { acknowledged } from '../listener.ts';

/** Ticking "I know this key was reported lost or leaked" needs no answer: it is read from the view state on confirm. */
export const reenableAck = acknowledged(ActionId.reenableAck);
