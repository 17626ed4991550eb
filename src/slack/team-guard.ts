import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.ts';

/**
 * The workspace the app is installed in: `SLACK_TEAM_ID` when set, otherwise what `auth.test` says about the bot
 * token (asked once; asked again after a failure).
 */
export function installedTeam(client: WebClient, configured: string | undefined): () => Promise<string | undefined> {
  if (configured !== undefined) return () => Promise.resolve(configured);
  let known: Promise<string | undefined> | undefined;
  return () => {
    known ??= client.auth.test().then(
      (result) => (typeof result.team_id === 'string' && result.team_id !== '' ? result.team_id : undefined),
      () => undefined,
    );
    return known.then((team) => {
      if (team === undefined) known = undefined;
      return team;
    });
  };
}

/**
 * Every team id a request names: the workspace it came from (and its view's), and separately the acting person's
 * home team when given (a Slack Connect guest acts in our workspace with a home team of their own).
 */
export function teamsNamed(body: Record<string, unknown>): {
  workspace: (string | undefined)[];
  user: string | undefined | null;
} {
  const team = body.team as { id?: unknown } | null | undefined;
  const user = body.user as { team_id?: unknown } | string | undefined;
  const authorizations = body.authorizations as { team_id?: unknown }[] | undefined;
  const named: unknown[] = [];
  if (typeof body.team_id === 'string' || body.type === 'event_callback') named.push(body.team_id);
  else named.push(team?.id);
  if (Array.isArray(authorizations)) for (const a of authorizations) named.push(a?.team_id);
  const view = body.view as { team_id?: unknown } | undefined;
  if (view !== undefined && view !== null && 'team_id' in view) named.push(view.team_id);
  const userTeam =
    typeof user === 'object' && user !== null && 'team_id' in user
      ? typeof user.team_id === 'string'
        ? user.team_id
        : undefined
      : null;
  return { workspace: named.map((t) => (typeof t === 'string' ? t : undefined)), user: userTeam };
}

function actionIds(body: Record<string, unknown>): string[] {
  const actions = body.actions as { action_id?: unknown }[] | undefined;
  return Array.isArray(actions) ? actions.map((a) => String(a?.action_id)) : [];
}

/**
 * A signed request proves it came from Slack for this app, not from this workspace: a Slack Connect guest, another
 * workspace the app is distributed to, or a request naming a person of another team. Roles are granted to user ids
 * of the installed workspace, so anything naming another team (or none) is acknowledged and dropped before any
 * listener runs. The person is told in one line where Slack shows an acknowledgement (commands).
 */
export function sameTeamOnly(
  team: () => Promise<string | undefined>,
  logger: Logger,
  /** Buttons a person of another team may press inside our workspace (the partner contact's delivery DM). */
  guestActions: ReadonlySet<string> = new Set(),
): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as unknown as Record<string, unknown>;
    const installed = await team();
    const named = teamsNamed(body);
    const workspaceOk = installed !== undefined && named.workspace.every((t) => t === installed);
    const guestAllowed =
      body.type === 'block_actions' &&
      actionIds(body).length > 0 &&
      actionIds(body).every((id) => guestActions.has(id));
    const userOk = named.user === null || named.user === installed || guestAllowed;
    if (workspaceOk && userOk) return args.next();
    logger.warn(
      {
        installedTeam: installed ?? null,
        requestTeams: named.workspace.map((t) => t ?? null),
        userTeam: named.user ?? null,
        type: body.type ?? (body.command === undefined ? null : 'command'),
      },
      'refused: request from another Slack workspace',
    );
    const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
    if (ack === undefined) return;
    if (typeof body.command === 'string')
      return ack({
        response_type: 'ephemeral',
        text: 'This app serves its own Slack workspace only; nothing was done.',
      });
    return ack();
  };
}
