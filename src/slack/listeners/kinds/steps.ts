import type { App, BlockAction, BlockElementAction, RespondFn, types, ViewOutput } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { type AppError, type ErrorCode, isAppError } from '../../../shared/errors.ts';
import { noticeView } from '../../blocks/notice-views.ts';
import type { ModalView, Option } from '../../blocks/kit.ts';
import type { Message } from '../../blocks/messages.ts';
import type { SlackDeps } from '../../deps.ts';
import type { Actor } from '../../flows/actor.ts';
import type { PublishHome } from '../../flows/home-publisher.ts';
import type { HomeMeta } from '../../flows/metadata.ts';
import { logSlackFailure, tell } from '../../flows/notify.ts';
import { hasRole, type Need, refusal } from '../../flows/roles.ts';
import { errorFieldText, errorText } from '../../ui/error-text.ts';
import type { StateValues } from '../../ui/view-state.ts';

/**
 * The one way a Slack entry point is written. Every listener runs the same steps, in this order:
 *
 *   ids    what the payload names (a key id, a request id); a malformed payload stops here, acknowledged and dropped
 *   role   who may: without the role the person is told so and nothing else happens
 *   parse  reads and checks the input (dialog metadata, form fields)
 *   call   the one service call
 *   render says what happened: a dialog, a message, the App Home
 *
 * Expected failures (`AppError`) thrown by any step become words only through `errorText` / `errorFieldText`, in
 * a message, a notice replacing the dialog, or on the dialog field they are about. Anything else goes on to the
 * unhandled-failure middleware, which logs it and tells the person to try again. Two ways out, both visible in the
 * listener: a step may turn a known failure into an outcome it renders (`outcomeOf`), and a dialog may word the one
 * way an input can be wrong itself (`atField`'s prompt).
 */

/** What every listener is registered with. */
export interface ListenerContext {
  deps: SlackDeps;
  publishHome: PublishHome;
}

/** One Slack entry point: app.ts registers a list of these. */
export interface Listener {
  register(app: App, context: ListenerContext): void;
}

/** Who may: a role (`viewer`: admins and approvers), or anyone (the service decides, or there is nothing to guard). */
export type Role = Need | 'anyone';

/** One request as the steps see it: who acts, how to reach them, and the app's services. */
export interface Turn extends Actor {
  /** Tells the person, where this listener answers. */
  say(text: string): Promise<void>;
  /** Publishes the person's App Home again (after a change, or with a new search or page). */
  home(state?: HomeMeta): Promise<void>;
}

/** Ends a turn early: `text`, when given, is said to the person. */
export class Stop {
  constructor(readonly text?: string) {}
}
export const stop = (text?: string): Stop => new Stop(text);

/** A dialog field the submission is refused on, with the listener's own prompt or the expected failure behind it. */
class FieldRefusal extends Error {
  constructor(
    readonly block: string,
    readonly reason: string | AppError,
  ) {
    super(typeof reason === 'string' ? reason : reason.message);
  }
}

/** Refuses the submission on one field (a prompt such as "Choose a role."). */
export function refuseField(block: string, prompt: string): never {
  throw new FieldRefusal(block, prompt);
}

/**
 * Expected failures of `check` are about the dialog field `block` and are shown on it; `prompt`, when given, is what
 * this dialog says there instead (its own words for the one way that input can be wrong).
 */
export async function atField<T>(block: string, check: () => T | Promise<T>, prompt?: string): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (isAppError(error)) throw new FieldRefusal(block, prompt ?? error);
    throw error;
  }
}

/** A `.catch` for the expected failures a step turns into an outcome of its own; anything else goes on. */
export function outcomeOf<T>(outcomes: Partial<Record<ErrorCode, (error: AppError) => T>>) {
  return (error: unknown): T => {
    const outcome = isAppError(error) ? outcomes[error.code] : undefined;
    if (outcome === undefined) throw error;
    return outcome(error as AppError);
  };
}

interface Steps<T, Input, Result> {
  parse?(turn: T): Input | Stop | Promise<Input | Stop>;
  call?(turn: T, input: Input): Result | Promise<Result>;
  render?(turn: T, result: Result, input: Input): Promise<unknown>;
}

async function runSteps<T extends Turn, Input, Result>(
  steps: Steps<T, Input, Result>,
  turn: T,
  seen: { input?: Input },
): Promise<void> {
  const input = steps.parse === undefined ? (undefined as Input) : await steps.parse(turn);
  if (input instanceof Stop) {
    if (input.text !== undefined) await turn.say(input.text);
    return;
  }
  seen.input = input;
  const result = steps.call === undefined ? (undefined as Result) : await steps.call(turn, input);
  await steps.render?.(turn, result, input);
}

function turnOf(
  context: ListenerContext,
  client: WebClient,
  userId: string,
  respond: RespondFn | undefined,
  say?: (text: string) => Promise<void>,
): Turn {
  const { deps, publishHome } = context;
  return {
    deps,
    client,
    userId,
    respond,
    say: say ?? ((text) => tell(deps, client, userId, text, respond)),
    home: (state) => publishHome(client, userId, state),
  };
}

/** An expected failure, for the log: the code says which (the words went to the person). */
function refused(turn: Turn, error: AppError): void {
  turn.deps.logger.info({ userId: turn.userId, code: error.code }, 'refused: expected failure');
}

/** The role check: without the role, the person is told and nothing happens. */
async function allowed(turn: Turn, role: Role): Promise<boolean> {
  if (role === 'anyone' || (await hasRole(turn.deps, turn.userId, role))) return true;
  turn.deps.logger.info({ userId: turn.userId, need: role }, 'refused: missing role');
  await turn.say(await refusal(turn.deps, role));
  return false;
}

// ---- block actions ----------------------------------------------------------------------------------------------

export interface ActionTurn<Ids> extends Turn {
  ids: Ids;
  body: BlockAction;
}

export interface ActionSpec<Ids, Input, Result> extends Steps<ActionTurn<Ids>, Input, Result> {
  /** The action_id (a pattern for numbered ones such as paging buttons). */
  id: string | RegExp;
  /** `value` is the button's value or the chosen option's. */
  ids?(payload: { body: BlockAction; value: string }): Ids | Stop;
  role: Role;
  /**
   * Where the person is told things: `dm` (the default: buttons in dialogs and the App Home have no conversation),
   * `conversation` (ephemeral through the message's response_url when there is one, else a DM), or `clicker`
   * (ephemeral in the card's channel, else a DM: approval cards, where the whole channel sees the message).
   */
  answer?: 'dm' | 'conversation' | 'clicker';
  /** Shows an expected failure somewhere else than in a message (in the dialog the listener opened first, say). */
  failed?(turn: ActionTurn<Ids>, text: string, input: Input | undefined): Promise<unknown>;
}

function chosenValue(action: BlockElementAction): string {
  if ('value' in action && typeof action.value === 'string') return action.value;
  if ('selected_option' in action && action.selected_option != null) return action.selected_option.value ?? '';
  return '';
}

/** Refusals go to the clicker alone: ephemeral in the card's channel, or a DM when there is no channel. */
async function tellClicker(
  deps: SlackDeps,
  client: WebClient,
  userId: string,
  channel: string | undefined,
  text: string,
) {
  try {
    if (channel !== undefined) await client.chat.postEphemeral({ channel, user: userId, text });
    else await tell(deps, client, userId, text);
  } catch (error) {
    logSlackFailure(deps, error, 'telling the clicker', { userId });
  }
}

export function action<Ids = undefined, Input = undefined, Result = undefined>(
  spec: ActionSpec<Ids, Input, Result>,
): Listener {
  return {
    register(app, context) {
      app.action<BlockAction>(spec.id, async ({ ack, body, action: element, client, respond }) => {
        await ack();
        const ids = spec.ids === undefined ? (undefined as Ids) : spec.ids({ body, value: chosenValue(element) });
        const userId = body.user.id;
        const channel = body.channel?.id;
        const conversation = spec.answer === 'conversation' && body.response_url !== undefined ? respond : undefined;
        const say =
          spec.answer === 'clicker'
            ? (text: string) => tellClicker(context.deps, client, userId, channel, text)
            : undefined;
        const base = turnOf(context, client, userId, conversation, say);
        if (ids instanceof Stop) {
          if (ids.text !== undefined) await base.say(ids.text);
          return;
        }
        const turn: ActionTurn<Ids> = { ...base, ids, body };
        if (!(await allowed(turn, spec.role))) return;
        const seen: { input?: Input } = {};
        try {
          await runSteps(spec, turn, seen);
        } catch (error) {
          if (!isAppError(error)) throw error;
          refused(turn, error);
          const text = errorText(error, { command: context.deps.command });
          await (spec.failed === undefined ? turn.say(text) : spec.failed(turn, text, seen.input));
        }
      });
    },
  };
}

/** Actions that need no answer beyond the acknowledgement (their state is read when the dialog is submitted). */
export function acknowledged(id: string): Listener {
  return {
    register(app) {
      app.action(id, async ({ ack }) => ack());
    },
  };
}

// ---- dialog submissions -----------------------------------------------------------------------------------------

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

// ---- select menus with options from the app -----------------------------------------------------------------------

export function options(spec: {
  id: string;
  role: Role;
  call(turn: Turn, query: string): Promise<Option[]>;
}): Listener {
  return {
    register(app, context) {
      app.options(spec.id, async ({ ack, body }) => {
        const turn = turnOf(context, app.client, body.user.id, undefined);
        if (!(await allowed(turn, spec.role))) return ack({ options: [] });
        await ack({ options: await spec.call(turn, body.value ?? '') });
      });
    },
  };
}

// ---- events --------------------------------------------------------------------------------------------------------

/** Opening the app's Home tab (or its Messages tab: `tab` says which). */
export function homeOpened<Ids = undefined>(spec: {
  ids(opened: types.AppHomeOpenedEvent): Ids | Stop;
  render(turn: Turn, ids: Ids): Promise<unknown>;
}): Listener {
  return {
    register(app, context) {
      app.event('app_home_opened', async ({ event: opened, client }) => {
        const ids = spec.ids(opened);
        if (ids instanceof Stop) return;
        await spec.render(turnOf(context, client, opened.user, undefined), ids);
      });
    },
  };
}

// ---- the slash command ----------------------------------------------------------------------------------------------

export interface CommandTurn<Ids> extends Turn {
  ids: Ids;
  triggerId: string;
  /** The words after the subcommand, and all of them as one text. */
  args: readonly string[];
  argument: string;
  /** Answers in the conversation the command was typed in, visible to the person only. */
  reply(message: Message): Promise<void>;
}

interface CommandRequest {
  context: ListenerContext;
  client: WebClient;
  userId: string;
  respond: RespondFn;
  triggerId: string;
  word: string;
  args: readonly string[];
}

export interface SubcommandSpec<Ids, Input, Result> extends Steps<CommandTurn<Ids>, Input, Result> {
  names: readonly string[];
  /** `word` is the subcommand as typed (lower case), `args` the words after it; `command` is the slash command. */
  ids?(words: { word: string; args: readonly string[]; command: string }): Ids | Stop;
  role: Role;
}

export interface Subcommand {
  readonly names: readonly string[];
  handle(request: CommandRequest): Promise<void>;
}

export function subcommand<Ids = undefined, Input = undefined, Result = undefined>(
  spec: SubcommandSpec<Ids, Input, Result>,
): Subcommand {
  return {
    names: spec.names,
    async handle({ context, client, userId, respond, triggerId, word, args }) {
      const base = turnOf(context, client, userId, respond);
      const ids = spec.ids === undefined ? (undefined as Ids) : spec.ids({ word, args, command: context.deps.command });
      if (ids instanceof Stop) {
        if (ids.text !== undefined) await base.say(ids.text);
        return;
      }
      const reply = async (message: Message) => {
        try {
          await respond({ response_type: 'ephemeral', replace_original: false, ...message });
        } catch (error) {
          logSlackFailure(context.deps, error, 'answering the command', { userId });
        }
      };
      const turn: CommandTurn<Ids> = { ...base, ids, triggerId, args, argument: args.join(' '), reply };
      if (!(await allowed(turn, spec.role))) return;
      try {
        await runSteps(spec, turn, {});
      } catch (error) {
        if (!isAppError(error)) throw error;
        refused(turn, error);
        await turn.say(errorText(error, { command: context.deps.command }));
      }
    },
  };
}

/**
 * The slash command: acknowledged at once (Slack shows nothing for an empty ack), then the subcommand named by the
 * first word runs (`fallback` for anything else); dialogs open first thing, answers are ephemeral.
 */
export function command(subcommands: readonly Subcommand[], fallback: Subcommand): Listener {
  return {
    register(app, context) {
      app.command(context.deps.command, async ({ ack, command: typed, client, respond }) => {
        await ack();
        const [word = 'help', ...args] = typed.text
          .trim()
          .split(/\s+/)
          .filter((w) => w !== '');
        const name = word.toLowerCase();
        const chosen = subcommands.find((s) => s.names.includes(name)) ?? fallback;
        await chosen.handle({
          context,
          client,
          userId: typed.user_id,
          respond,
          triggerId: typed.trigger_id,
          word: name,
          args,
        });
      });
    },
  };
}
