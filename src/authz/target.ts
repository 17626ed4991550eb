import type { AuthzRequest } from './authz-exchange.ts';

export interface Target {
  method: string;
  /** As sent, query string included; the catalog matcher ignores the query. */
  path: string;
}

export type TargetProblem = 'no_target' | 'incomplete_target' | 'conflicting_target';

/**
 * The request the gateway is asking about. Three conventions are read: Traefik's `X-Forwarded-Method`/`-Uri`,
 * nginx's `X-Original-Method`/`-URI`, and Envoy's path below the prefix with the request's own method. When more
 * than one is present, none wins: they must name the same method and path or the request is denied, because a
 * gateway that forwards client headers would otherwise let a client name a different target than the one it calls.
 * A URI without its method is also denied: an nginx subrequest is always GET, so guessing would judge a DELETE as
 * a GET.
 */
export function requestTarget(req: AuthzRequest, prefix: string): Target | { problem: TargetProblem } {
  const headers = req.headers;
  const traefik = pair(headers['x-forwarded-method'], headers['x-forwarded-uri']);
  if (traefik === null) return INCOMPLETE;
  const nginx = pair(headers['x-original-method'], headers['x-original-uri']);
  if (nginx === null) return INCOMPLETE;
  const url = req.url ?? '';
  const envoy =
    url.length > prefix.length && url.charCodeAt(prefix.length) === 47 /* / */
      ? { method: req.method ?? 'GET', path: url.slice(prefix.length) }
      : undefined;

  // Written out rather than looped: this runs on every request.
  let found: Target | undefined = traefik;
  if (nginx !== undefined) {
    if (found === undefined) found = nginx;
    else if (!sameTarget(found, nginx)) return CONFLICT;
  }
  if (envoy !== undefined) {
    if (found === undefined) found = envoy;
    else if (!sameTarget(found, envoy)) return CONFLICT;
  }
  return found ?? NONE;
}

const NONE = { problem: 'no_target' } as const;
const INCOMPLETE = { problem: 'incomplete_target' } as const;
const CONFLICT = { problem: 'conflicting_target' } as const;

/** The pair's target, `undefined` when neither header is there, `null` when only one is (or one is empty). */
function pair(method: string | string[] | undefined, uri: string | string[] | undefined): Target | null | undefined {
  if (method === undefined && uri === undefined) return undefined;
  if (typeof method !== 'string' || typeof uri !== 'string' || method === '' || uri === '') return null;
  return { method, path: uri };
}

function normalMethod(method: string): string {
  const upper = method.toUpperCase();
  return upper === 'HEAD' ? 'GET' : upper;
}

/** Up to the query: a `#` stays, so targets that differ after one are not taken as the same. */
function pathOnly(path: string): string {
  const cut = path.indexOf('?');
  return cut === -1 ? path : path.slice(0, cut);
}

function sameTarget(a: Target, b: Target): boolean {
  return normalMethod(a.method) === normalMethod(b.method) && pathOnly(a.path) === pathOnly(b.path);
}
