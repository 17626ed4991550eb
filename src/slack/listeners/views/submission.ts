import type { SlackDeps } from '../../deps.ts';
import { noticeView } from '../../blocks/key-views.ts';
import type { ModalView } from '../../blocks/kit.ts';
import { hasRole, type Need, refusal } from '../../flows/roles.ts';

/** What a view_submission listener may answer within its 3 s. */
export type SubmissionAck = (
  response?:
    | { response_action: 'errors'; errors: Record<string, string> }
    | { response_action: 'update' | 'push'; view: ModalView }
    | { response_action: 'clear' },
) => Promise<void>;

/** Role check for submissions: a refusal replaces the dialog, since there is no message to answer in. */
export async function submissionAllowed(
  deps: SlackDeps,
  userId: string,
  need: Need,
  ack: SubmissionAck,
): Promise<boolean> {
  if (await hasRole(deps, userId, need)) return true;
  deps.logger.info({ userId, need }, 'refused submission: missing role');
  await ack({ response_action: 'update', view: noticeView('Not Allowed', refusal(deps, need)) });
  return false;
}

export function notice(title: string, text: string) {
  return { response_action: 'update' as const, view: noticeView(title, text) };
}
