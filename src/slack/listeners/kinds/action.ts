import type { BlockAction, BlockElementAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { isAppError } from '../../../shared/errors.ts';
import type { SlackDeps } from '../../deps.ts';
import { logSlackFailure, tell } from '../../flows/notify.ts';
import { errorText } from '../../ui/error-text.ts';
import { allowed, type Listener, type Role, refused, runSteps, type Steps, Stop, type Turn, turnOf } from './steps.ts';

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
