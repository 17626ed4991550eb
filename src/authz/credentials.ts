import type { IncomingHttpHeaders } from 'node:http';

export type CredentialProblem = 'missing' | 'empty' | 'malformed';

// Far above any real key (legacy keys are at most 128 characters) and room for an access token holding a few hundred
// scopes (4 bytes each): longer headers are refused before decoding.
const MAX_AUTHORIZATION_LENGTH = 4096;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/**
 * The presented key, or why there is none. `Authorization` wins over `X-Api-Key` when both are sent; Basic takes
 * the key from the username (Harvest style, `key:`), and the password part carries no meaning.
 */
export function presentedKey(headers: IncomingHttpHeaders): string | { problem: CredentialProblem } {
  const authorization = headers.authorization;
  if (authorization !== undefined) return fromAuthorization(authorization);
  const apiKey = headers['x-api-key'];
  if (apiKey === undefined) return MISSING;
  if (typeof apiKey !== 'string' || apiKey.length > MAX_AUTHORIZATION_LENGTH) return MALFORMED;
  const trimmed = apiKey.trim();
  return trimmed === '' ? EMPTY : trimmed;
}

const MISSING = { problem: 'missing' } as const;
const EMPTY = { problem: 'empty' } as const;
const MALFORMED = { problem: 'malformed' } as const;

/** Whether `value` up to `length` is the lower-case `scheme` in any case (no lower-cased copy per request). */
function isScheme(value: string, length: number, scheme: string): boolean {
  if (length !== scheme.length) return false;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if ((code >= 65 && code <= 90 ? code + 32 : code) !== scheme.charCodeAt(i)) return false;
  }
  return true;
}

function fromAuthorization(value: string): string | { problem: CredentialProblem } {
  if (value.length > MAX_AUTHORIZATION_LENGTH) return MALFORMED;
  const space = value.indexOf(' ');
  if (space <= 0) return value.trim() === '' ? EMPTY : MALFORMED;
  const credentials = value.slice(space + 1).trim();
  if (isScheme(value, space, 'bearer')) return credentials === '' ? EMPTY : credentials;
  if (!isScheme(value, space, 'basic')) return MALFORMED;
  if (credentials === '') return EMPTY;
  if (!BASE64.test(credentials)) return MALFORMED;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return MALFORMED;
  return colon === 0 ? EMPTY : decoded.slice(0, colon);
}
