import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { FetchFunction } from '@slack/web-api';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';

interface RequestShape {
  type?: string;
  command?: string;
  callback_id?: string;
  actions?: Array<{ action_id?: string }>;
  action_id?: string;
  view?: { callback_id?: string };
  event?: { type?: string; user?: string };
  user?: { id?: string; team_id?: string };
  user_id?: string;
  team?: { id?: string };
  team_id?: string;
}

/** What a Slack request is, by ids only: never a field the user typed (those can hold anything, even a key). */
export function describeSlackRequest(body: unknown): {
  kind: string;
  id: string | undefined;
  userId: string | undefined;
  teamId: string | undefined;
} {
  const b = (body ?? {}) as RequestShape;
  const userId = b.user?.id ?? b.user_id ?? b.event?.user;
  const teamId = b.team?.id ?? b.team_id ?? b.user?.team_id;
  if (typeof b.command === 'string') return { kind: 'command', id: b.command, userId, teamId };
  switch (b.type) {
    case 'block_actions':
      return { kind: 'block_actions', id: b.actions?.[0]?.action_id, userId, teamId };
    case 'block_suggestion':
      return { kind: 'block_suggestion', id: b.action_id, userId, teamId };
    case 'view_submission':
    case 'view_closed':
      return { kind: b.type, id: b.view?.callback_id, userId, teamId };
    case 'event_callback':
      return { kind: 'event', id: b.event?.type, userId, teamId };
    case 'shortcut':
    case 'message_action':
      return { kind: b.type, id: b.callback_id, userId, teamId };
    default:
      return { kind: b.type ?? 'unknown', id: undefined, userId, teamId };
  }
}

/**
 * Bolt global middleware: one info line per Slack request (what, who, outcome, how long) and the handler latency
 * metric. Typeahead (block_suggestion) is logged at debug: it fires on every keystroke.
 */
export function observeSlackRequests(logger: Logger, metrics: Metrics | undefined): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    const started = performance.now();
    const what = describeSlackRequest(body);
    let outcome: 'ok' | 'error' = 'ok';
    try {
      await next();
    } catch (error) {
      outcome = 'error';
      throw error;
    } finally {
      const ms = performance.now() - started;
      metrics?.slackHandled(what.kind, outcome, ms / 1000);
      const fields = {
        slack: what.kind,
        id: what.id,
        userId: what.userId,
        teamId: what.teamId,
        outcome,
        ms: Math.round(ms),
      };
      if (what.kind === 'block_suggestion') logger.debug(fields, 'Slack request handled');
      else logger.info(fields, 'Slack request handled');
    }
  };
}

const API_METHOD = /\/api\/([A-Za-z0-9.]+)$/;

/**
 * The Web API client's fetch, counting failures per method and Slack error code (429s, HTTP errors, `ok: false`
 * answers, network errors). Every attempt counts, so retries of a rate-limited call show as such.
 */
export function countingFetch(metrics: Metrics, base?: typeof fetch): FetchFunction {
  const counted = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const method = API_METHOD.exec(new URL(String(url)).pathname)?.[1];
    if (method === undefined) return (base ?? globalThis.fetch)(url, init);
    let response: Response;
    try {
      // Read at call time: test interceptors replace the global fetch after the app is built.
      response = await (base ?? globalThis.fetch)(url, init);
    } catch (error) {
      metrics.slackApiError(method, 'request_error');
      throw error;
    }
    if (response.status === 429) metrics.slackApiError(method, 'ratelimited');
    else if (response.status !== 200) metrics.slackApiError(method, `http_${response.status}`);
    else if (response.headers.get('content-type')?.includes('json') === true) {
      const result = (await response
        .clone()
        .json()
        .catch(() => undefined)) as { ok?: boolean; error?: unknown } | undefined;
      if (result?.ok === false) metrics.slackApiError(method, String(result.error ?? 'unknown').slice(0, 64));
    }
    return response;
  };
  return counted as FetchFunction;
}
