import type { ApiKey } from './types.ts';

/** Where a client buys access tokens: OAUTH_ISSUER's token endpoint, or a placeholder naming the gateway's. */
export function tokenUrl(issuer: string | undefined): string {
  return `${issuer ?? 'https://<your Harvest API gateway>'}/oauth/token`;
}

/** The one command that turns a client's id and secret into an access token (the secret stays a shell variable). */
export function tokenCommand(clientId: string, issuer: string | undefined): string {
  return `curl -s -u "${clientId}:$CLIENT_SECRET" -d grant_type=client_credentials ${tokenUrl(issuer)}`;
}

/**
 * What a delivery encrypts. A key is its secret alone, as always (what a partner's tooling already reads); a client is
 * its id and secret, named, with the token command, so the decrypted text says what it is and how to use it.
 */
export function deliveredPlaintext(
  key: Pick<ApiKey, 'id' | 'description' | 'clientId'> & { partnerName: string },
  secret: string,
  issuer: string | undefined,
): string {
  if (key.clientId === null) return secret;
  return [
    `Harvest v3 (OAuth) client credentials for ${key.partnerName}: "${key.description}" (${key.id})`,
    `client_id=${key.clientId}`,
    `client_secret=${secret}`,
    '',
    'Get an access token (OAuth 2.0 client credentials), then send it as "Authorization: Bearer <access_token>":',
    `CLIENT_SECRET='<the client_secret above>' ${tokenCommand(key.clientId, issuer)}`,
    '',
  ].join('\n');
}
