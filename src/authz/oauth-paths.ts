export const OAUTH_PREFIX = '/oauth';
export const OAUTH_METADATA_PATH = '/.well-known/oauth-authorization-server';
