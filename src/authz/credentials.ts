import type { IncomingHttpHeaders } from 'node:http';
import { equalsIgnoringAsciiCase } from '../shared/ascii-case.ts';

export type CredentialProblem = 'missing' | 'empty' | 'malformed';

// Far above any real key (legacy keys are at most 128 characters) and room for an access token holding a few hundred
// scopes (4 bytes each): longer headers are refused before decoding.
const MAX_AUTHORIZATION_LENGTH = 4096;
/** Standard base64 digit value of a character code, -1 for anything else (URL-safe `-` and `_` too). */
const BASE64_DIGIT = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries())
  BASE64_DIGIT[c.charCodeAt(0)] = i;
/** Decoded Basic credentials: one buffer for every request (decoding is synchronous), as long as the longest allowed. */
const decoded = Buffer.allocUnsafeSlow(Math.ceil((MAX_AUTHORIZATION_LENGTH * 3) / 4));

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

function fromAuthorization(value: string): string | { problem: CredentialProblem } {
  if (value.length > MAX_AUTHORIZATION_LENGTH) return MALFORMED;
  const space = value.indexOf(' ');
  if (space <= 0) return value.trim() === '' ? EMPTY : MALFORMED;
  const credentials = value.slice(space + 1).trim();
  if (equalsIgnoringAsciiCase(value, space, 'bearer')) return credentials === '' ? EMPTY : credentials;
  if (!equalsIgnoringAsciiCase(value, space, 'basic')) return MALFORMED;
  if (credentials === '') return EMPTY;
  return basicUsername(credentials);
}

/**
 * The username of Basic credentials: strict base64 (the standard alphabet, padding only where it belongs, or none),
 * then everything before the first `:`. Checked and decoded in one pass into a shared buffer, without a regular
 * expression, a Buffer per request or the whole string decoded: this runs on every API call. A username with
 * non-ASCII bytes is decoded as UTF-8 from the whole string, exactly as before.
 */
function basicUsername(credentials: string): string | { problem: CredentialProblem } {
  const length = credentials.length;
  let padding = 0;
  if (credentials.charCodeAt(length - 1) === 61 /* = */) padding = credentials.charCodeAt(length - 2) === 61 ? 2 : 1;
  const digits = length - padding;
  // Unpadded, the last group holds 2 or 3 digits (or none); padded, the whole string is groups of 4.
  if ((digits & 3) === 1 || (padding > 0 && (length & 3) !== 0)) return MALFORMED;
  let bytes = 0;
  let bits = 0;
  let pending = 0;
  let colon = -1;
  let ascii = true;
  let valid = true;
  for (let i = 0; i < digits; i++) {
    const code = credentials.charCodeAt(i);
    const digit = code < 128 ? (BASE64_DIGIT[code] as number) : -1;
    if (digit < 0) {
      valid = false;
      break;
    }
    if (colon !== -1) continue; // the rest is only checked: the password part carries no meaning
    pending = (pending << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const byte = pending >>> bits;
      pending &= (1 << bits) - 1;
      if (byte === 58 /* : */) colon = bytes;
      else if (byte > 127) ascii = false;
      decoded[bytes++] = byte;
    }
  }
  // The shared buffer does not keep the last caller's key past this call.
  const key = valid && colon > 0 && ascii ? decoded.toString('latin1', 0, colon) : undefined;
  decoded.fill(0, 0, bytes);
  if (!valid || colon === -1) return MALFORMED;
  if (colon === 0) return EMPTY;
  if (key !== undefined) return key;
  const text = Buffer.from(credentials, 'base64').toString('utf8');
  return text.slice(0, text.indexOf(':'));
}
