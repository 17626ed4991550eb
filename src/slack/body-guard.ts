import { HTTPModuleFunctions } from '@slack/bolt';

const GUARDED = Symbol.for('harvest-keys.slack-body-guard');

/**
 * Bolt's HTTP receiver parses `payload=` (or a JSON body) and then reads `body.ssl_check` outside any try: a signed
 * body of `payload=null` or `null` threw inside a detached promise, left the request unanswered and, as an unhandled
 * rejection, stopped the whole process (the /authz listener with it). The receiver reads the parser through this
 * module object, so the parser is wrapped once to refuse what Slack never sends: Bolt then answers 400 ("Malformed
 * request body") as it does for unparseable JSON. Besides `null`, Bolt's own routing reads `user.id`, `view.…` and
 * `team` without checks (a 500 for a payload lacking them), so the fields it reads must have their shape.
 */
export function guardSlackBodies(): void {
  const functions = HTTPModuleFunctions as unknown as Record<string | symbol, unknown>;
  if (functions[GUARDED] === true) return;
  const parse = HTTPModuleFunctions.parseHTTPRequestBody;
  functions.parseHTTPRequestBody = (req: Parameters<typeof parse>[0]) => {
    const body: unknown = parse(req);
    const problem = shapeProblem(body);
    if (problem !== undefined) throw new Error(problem);
    return body;
  };
  functions[GUARDED] = true;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why Bolt could not route this body safely, or undefined when it has the fields Bolt reads. */
export function shapeProblem(body: unknown): string | undefined {
  if (!isObject(body)) return 'the request body is not a JSON object';
  if (body.ssl_check !== undefined || body.type === 'url_verification') return undefined;
  if (body.command !== undefined) {
    return typeof body.command === 'string' && typeof body.user_id === 'string' && typeof body.team_id === 'string'
      ? undefined
      : 'a command without its command, user or team';
  }
  if (body.type === 'event_callback')
    return isObject(body.event) && typeof body.team_id === 'string' ? undefined : 'an event without its event or team';
  if (typeof body.type !== 'string') return 'a payload without a type';
  if (!isObject(body.user) || typeof body.user.id !== 'string') return 'a payload without its user';
  if (body.team !== undefined && body.team !== null && !isObject(body.team))
    return 'a payload whose team is not an object';
  if (body.type.startsWith('view_') && !isObject(body.view)) return 'a view payload without its view';
  if (body.view !== undefined && body.view !== null && !isObject(body.view))
    return 'a payload whose view is not an object';
  if (body.actions !== undefined && (!Array.isArray(body.actions) || !body.actions.every(isObject)))
    return 'a payload whose actions are not objects';
  if (body.channel !== undefined && body.channel !== null && !isObject(body.channel))
    return 'a payload whose channel is not an object';
  if (body.container !== undefined && body.container !== null && !isObject(body.container))
    return 'a payload whose container is not an object';
  if (body.message !== undefined && body.message !== null && !isObject(body.message))
    return 'a payload whose message is not an object';
  return undefined;
}
