import { ActionId } from '../../ui/ids.ts';
import { acknowledged } from '../listener.ts';

/** Picking a revoke reason needs no answer: it is read from the view state on confirm. */
export const revokeReason = acknowledged(ActionId.revokeReason);
