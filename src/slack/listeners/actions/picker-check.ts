import { ActionId } from '../../ui/ids.ts';
import { acknowledged } from '../listener.ts';

/** Ticking a box needs no answer: the state is read when a button is pressed or the dialog is submitted. */
export const pickerCheck = acknowledged(ActionId.pickerCheck);
