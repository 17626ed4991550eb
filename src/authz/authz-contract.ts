export const AUTHZ_PREFIX = '/authz';
/** Names the permission a 403 lacked, e.g. `GET: List Candidates`. */
export const REQUIRED_PERMISSION_HEADER = 'x-required-permission';
/** On an `ip_not_allowed` 403: the reason and the address seen, for gateways that replace the body (nginx). */
export const DENIED_REASON_HEADER = 'x-denied-reason';
export const CLIENT_ADDRESS_HEADER = 'x-client-address';
/** On a request allowed with an access token: the Harvest v3 client's id (X-Key-Id names its row). */
export const CLIENT_ID_HEADER = 'x-client-id';
