import { CallbackId } from '../ui/ids.ts';
import { type ModalView, modal, section } from './kit.ts';

/** A line replacing a dialog: a refusal, or what a step did. */
export function noticeView(title: string, text: string): ModalView {
  return modal({ callbackId: CallbackId.notice, title, close: 'Close', blocks: [section(text)] });
}

/** What a step did, in the dialog it was asked in (revoke, re-enable, reveal). */
export function keyResultView(title: string, text: string): ModalView {
  return modal({ callbackId: CallbackId.notice, title, close: 'Done', blocks: [section(text)] });
}
