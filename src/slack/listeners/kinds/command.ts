import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { isAppError } from '../../../shared/errors.ts';
import type { Message } from '../../blocks/messages.ts';
import { logSlackFailure } from '../../flows/notify.ts';
import { errorText } from '../../ui/error-text.ts';
import {
  allowed,
  type Listener,
  type ListenerContext,
  type Role,
  refused,
  runSteps,
  type Steps,
  Stop,
  type Turn,
  turnOf,
} from './steps.ts';

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
