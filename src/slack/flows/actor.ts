import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { SlackDeps } from '../deps.ts';
import { explain, logSlackFailure, tell } from './notify.ts';

/** Who is acting, and how to reach them: what every listener hands to the flows. */
export interface Actor {
  deps: SlackDeps;
  client: WebClient;
  userId: string;
  /** Present when the interaction came from a message (slash command, list message): answers go there, ephemeral. */
  respond?: RespondFn | undefined;
}

export function say(actor: Actor, text: string): Promise<void> {
  return tell(actor.deps, actor.client, actor.userId, text, actor.respond);
}

/** Runs one Slack Web API call; a failure is logged with its cause and explained to the person in a line. */
export async function slackCall<T>(actor: Actor, what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    logSlackFailure(actor.deps, error, what, { userId: actor.userId });
    await say(actor, explain(error, actor.deps.command));
    return undefined;
  }
}
