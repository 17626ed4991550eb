import type { App, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { type AppError, type ErrorCode, isAppError } from '../../../shared/errors.ts';
import type { SlackDeps } from '../../deps.ts';
import type { Actor } from '../../flows/actor.ts';
import type { PublishHome } from '../../flows/home-publisher.ts';
import type { HomeMeta } from '../../flows/metadata.ts';
import { tell } from '../../flows/notify.ts';
import { hasRole, type Need, refusal } from '../../flows/roles.ts';

// What every kind of listener shares. Exported for the files beside this one; listeners import the public part
// from ../listener.ts, which does not re-export runSteps, turnOf, allowed, refused, FieldRefusal or Steps.

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
export class FieldRefusal extends Error {
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

export interface Steps<T, Input, Result> {
  parse?(turn: T): Input | Stop | Promise<Input | Stop>;
  call?(turn: T, input: Input): Result | Promise<Result>;
  render?(turn: T, result: Result, input: Input): Promise<unknown>;
}

export async function runSteps<T extends Turn, Input, Result>(
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

export function turnOf(
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
export function refused(turn: Turn, error: AppError): void {
  turn.deps.logger.info({ userId: turn.userId, code: error.code }, 'refused: expected failure');
}

/** The role check: without the role, the person is told and nothing happens. */
export async function allowed(turn: Turn, role: Role): Promise<boolean> {
  if (role === 'anyone' || (await hasRole(turn.deps, turn.userId, role))) return true;
  turn.deps.logger.info({ userId: turn.userId, need: role }, 'refused: missing role');
  await turn.say(await refusal(turn.deps, role));
  return false;
}
