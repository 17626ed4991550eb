export const UNAUTHENTICATED_MESSAGES: Record<string, string> = {
  missing: 'No API key: send it as the Basic username (key and an empty password), a Bearer token or X-Api-Key.',
  empty: 'The API key is empty.',
  malformed: 'The API key or the Authorization header is malformed.',
  checksum: 'The API key is not valid (its checksum does not match: check for a typing mistake).',
  unknown: 'The API key is not valid.',
  revoked: 'The API key has been revoked.',
  expired: 'The API key has expired.',
  client_secret:
    'This is a Harvest v3 client secret, not an API key: exchange it at POST /oauth/token for an access token and send that as a Bearer token.',
};

/** 401s for a Bearer access token (RFC 6750 `invalid_token`, with the reason in the body). */
export const TOKEN_MESSAGES: Record<string, string> = {
  invalid_token: 'The access token is not valid: not issued by this service, altered, or its client is unknown.',
  token_expired: 'The access token has expired: request a new one at POST /oauth/token.',
  token_revoked: 'The access token has been revoked.',
  revoked: 'The Harvest v3 client this access token was issued to has been revoked.',
  expired: 'The Harvest v3 client this access token was issued to has expired.',
};

export const FORBIDDEN_MESSAGES: Record<string, string> = {
  not_granted: 'This API Key does not have permission for this endpoint',
  not_in_catalog: 'This endpoint is not part of the API, so no key may call it.',
  ambiguous_target:
    'The request path could be routed to a different endpoint than it seems to name (path parameters with ;, encoded % or /, dot segments, fragments, non-ASCII, or a parameter not in its documented shape), so no key may call it.',
  no_target:
    'The gateway sent no target: set X-Original-Method/X-Original-URI (nginx), rely on X-Forwarded-Method/-Uri (Traefik) or call /authz/<path> (Envoy).',
  incomplete_target: 'The gateway sent a target URI without its method (or the reverse).',
  conflicting_target: 'The gateway sent target headers that disagree with each other.',
  method_override:
    'The request names another method (X-HTTP-Method-Override, X-Method-Override, X-HTTP-Method or _method) than the one it was judged as.',
  insufficient_scope:
    'The access token was not issued for the scope this endpoint needs (the client may hold it: ask for it at POST /oauth/token).',
};
