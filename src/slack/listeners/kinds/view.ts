import type { ViewOutput } from '@slack/bolt';
import { type AppError, isAppError } from '../../../shared/errors.ts';
import type { ModalView } from '../../blocks/kit.ts';
import { noticeView } from '../../blocks/notice-views.ts';
import { hasRole, refusal } from '../../flows/roles.ts';
import { errorFieldText, errorText } from '../../ui/error-text.ts';
import type { StateValues } from '../../ui/view-state.ts';
import { FieldRefusal, type Listener, type Role, refused, runSteps, type Steps, type Turn, turnOf } from './steps.ts';

/** What a view_submission listener may answer within its 3 s. */
export type SubmissionResponse =
  | { response_action: 'errors'; errors: Record<string, string> }
  | { response_action: 'update' | 'push'; view: ModalView }
  | { response_action: 'clear' };

/** A notice replacing the dialog. */
export function notice(title: string, text: string): SubmissionResponse {
  return { response_action: 'update', view: noticeView(title, text) };
}

export interface ViewTurn extends Turn {
  view: ViewOutput;
  values: StateValues;
  /** Answers the submission (its acknowledgement): once, within 3 s, before any slow work. */
  answer(response?: SubmissionResponse): Promise<void>;
}

export interface ViewSpec<Input, Result> extends Steps<ViewTurn, Input, Result> {
  callbackId: string;
  role: Role;
  /** Title of the notice that replaces the dialog on an expected failure. */
  failure?: string;
  /** The field an expected failure is about, shown on it instead of in a notice. */
  fieldOf?(error: AppError, input: Input | undefined): string | undefined;
}

export function view<Input = undefined, Result = undefined>(spec: ViewSpec<Input, Result>): Listener {
  return {
    register(app, context) {
      const { deps } = context;
      app.view(spec.callbackId, async ({ ack, body, view: submitted, client }) => {
        let answered = false;
        const answer = async (response?: SubmissionResponse) => {
          answered = true;
          await (ack as (response?: SubmissionResponse) => Promise<void>)(response);
        };
        const turn: ViewTurn = {
          ...turnOf(context, client, body.user.id, undefined),
          view: submitted,
          values: submitted.state.values as StateValues,
          answer,
        };
        // A refusal replaces the dialog: there is no message to answer in.
        if (spec.role !== 'anyone' && !(await hasRole(deps, turn.userId, spec.role))) {
          deps.logger.info({ userId: turn.userId, need: spec.role }, 'refused submission: missing role');
          return answer(notice('Not Allowed', await refusal(deps, spec.role)));
        }
        const seen: { input?: Input } = {};
        try {
          await runSteps(spec, turn, seen);
          if (!answered) await answer();
        } catch (error) {
          const response = refusalResponse(error, spec, seen.input, deps.command);
          if (response === undefined) throw error;
          if (isAppError(error)) refused(turn, error);
          if (!answered) return answer(response);
          // Answered already (the slow part failed): the person hears it in a message instead.
          const reason = error instanceof FieldRefusal ? error.reason : (error as AppError);
          await turn.say(typeof reason === 'string' ? reason : errorText(reason, { command: deps.command }));
        }
      });
    },
  };
}

function refusalResponse<Input>(
  error: unknown,
  spec: ViewSpec<Input, unknown>,
  input: Input | undefined,
  command: string,
): SubmissionResponse | undefined {
  if (error instanceof FieldRefusal) {
    const text = typeof error.reason === 'string' ? error.reason : errorFieldText(error.reason, { command });
    return { response_action: 'errors', errors: { [error.block]: text } };
  }
  if (!isAppError(error)) return undefined;
  const block = spec.fieldOf?.(error, input);
  if (block !== undefined)
    return { response_action: 'errors', errors: { [block]: errorFieldText(error, { command }) } };
  return notice(spec.failure ?? 'Not Done', `:warning: ${errorText(error, { command })}`);
}

/** A dialog closed with `notify_on_close`. */
export function closed(spec: { callbackId: string; render(turn: Turn): Promise<void> }): Listener {
  return {
    register(app, context) {
      app.view({ callback_id: spec.callbackId, type: 'view_closed' }, async ({ ack, body, client }) => {
        await ack();
        await spec.render(turnOf(context, client, body.user.id, undefined));
      });
    },
  };
}
