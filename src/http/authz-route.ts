import { AUTHZ_PREFIX } from '../authz/authz-contract.ts';
import type { AuthzRequest, AuthzResponse } from '../authz/authz-exchange.ts';
import type { Route } from './server.ts';

/**
 * `/authz` on the listener: answered on the fast lane in the plain case and by node:http otherwise, by the same
 * handler, which writes its own X-Request-Id. `fastLane: false` (AUTHZ_FAST_LANE=off): node:http answers every request.
 */
export function authzRoute(
  handle: (req: AuthzRequest, res: AuthzResponse, requestId: string) => void,
  options: { fastLane?: boolean } = {},
): Route {
  const route: Route = { prefix: AUTHZ_PREFIX, writesRequestId: true, handler: handle };
  return options.fastLane === false ? route : { ...route, fastLane: handle };
}
