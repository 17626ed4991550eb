import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Self-contained access tokens: `hkat_` and the base64url of a binary body followed by its HMAC-SHA256. The MAC key
 * is derived from the key pepper (HKDF), so every instance verifies a token any other issued, with no database
 * round trip; only the client's live state (the key index) is consulted per request.
 *
 * Body: version (1) · iat (u32, seconds) · exp (u32) · jti (16 random bytes) · key row id (u8 length + UTF-8) ·
 * client id (u8 length + UTF-8) · scope count (u16) · each scope's 32-bit tag (`scopeTag`). Tags, not names: a
 * client holding every endpoint of the catalog still gets a token that fits a header.
 */
export const ACCESS_TOKEN_PREFIX = 'hkat_';
const VERSION = 1;
const MAC_BYTES = 32;
const JTI_BYTES = 16;
/** Legacy keys are at most 128 characters; a token is always longer, so the two are never confused. */
const SHORTEST_TOKEN = 129;
/** Verified tokens remembered per instance: a token is used many times, its MAC checked once. */
const REMEMBERED = 10_000;

export interface AccessTokenClaims {
  /** The api_keys row the client authenticated as (a replacement is another row with the same client id). */
  readonly keyId: string;
  readonly clientId: string;
  /** Scope tags granted at issuance. */
  readonly scopes: ReadonlySet<number>;
  /** Seconds since the epoch. */
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
}

export interface AccessTokens {
  issue(claims: Omit<AccessTokenClaims, 'jti'>): { token: string; jti: string };
  /** The claims of a token this service signed (expired or not), or undefined for anything else. */
  verify(token: string): AccessTokenClaims | undefined;
}

/** Whether a presented credential is shaped like an access token (cheap: no decoding). */
export function looksLikeAccessToken(credential: string): boolean {
  return credential.length >= SHORTEST_TOKEN && credential.startsWith(ACCESS_TOKEN_PREFIX);
}

export function createAccessTokens(pepper: string): AccessTokens {
  const key = Buffer.from(
    hkdfSync('sha256', Buffer.from(pepper, 'utf8'), 'harvest-keys', 'oauth2 access token mac v1', MAC_BYTES),
  );
  let remembered = new Map<string, AccessTokenClaims>();

  const mac = (body: Buffer) => createHmac('sha256', key).update(body).digest();

  function decode(token: string): AccessTokenClaims | undefined {
    if (!looksLikeAccessToken(token)) return undefined;
    const text = token.slice(ACCESS_TOKEN_PREFIX.length);
    if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
    const bytes = Buffer.from(text, 'base64url');
    // Base64url has more than one spelling of the same bytes: only the canonical one is this token.
    if (bytes.toString('base64url') !== text || bytes.length < MAC_BYTES + 1 + 8 + JTI_BYTES + 4) return undefined;
    const body = bytes.subarray(0, bytes.length - MAC_BYTES);
    if (!timingSafeEqual(mac(body), bytes.subarray(bytes.length - MAC_BYTES))) return undefined;
    if (body[0] !== VERSION) return undefined;
    let at = 1;
    const iat = body.readUInt32BE(at);
    const exp = body.readUInt32BE(at + 4);
    at += 8;
    const jti = body.subarray(at, at + JTI_BYTES).toString('base64url');
    at += JTI_BYTES;
    const keyLength = body[at] as number;
    const keyId = body.subarray(at + 1, at + 1 + keyLength).toString('utf8');
    at += 1 + keyLength;
    const clientLength = body[at] as number;
    const clientId = body.subarray(at + 1, at + 1 + clientLength).toString('utf8');
    at += 1 + clientLength;
    const count = body.readUInt16BE(at);
    at += 2;
    if (body.length !== at + count * 4) return undefined;
    const scopes = new Set<number>();
    for (let i = 0; i < count; i++) scopes.add(body.readUInt32BE(at + i * 4));
    return { keyId, clientId, scopes, iat, exp, jti };
  }

  return {
    issue(claims) {
      const keyId = Buffer.from(claims.keyId, 'utf8');
      const clientId = Buffer.from(claims.clientId, 'utf8');
      if (keyId.length > 255 || clientId.length > 255) throw new Error('a key or client id is too long for a token');
      const jtiBytes = randomBytes(JTI_BYTES);
      const tags = [...claims.scopes];
      const body = Buffer.alloc(1 + 8 + JTI_BYTES + 1 + keyId.length + 1 + clientId.length + 2 + tags.length * 4);
      let at = body.writeUInt8(VERSION, 0);
      at = body.writeUInt32BE(claims.iat, at);
      at = body.writeUInt32BE(claims.exp, at);
      at += jtiBytes.copy(body, at);
      at = body.writeUInt8(keyId.length, at);
      at += keyId.copy(body, at);
      at = body.writeUInt8(clientId.length, at);
      at += clientId.copy(body, at);
      at = body.writeUInt16BE(tags.length, at);
      for (const tag of tags) at = body.writeUInt32BE(tag, at);
      const token = `${ACCESS_TOKEN_PREFIX}${Buffer.concat([body, mac(body)]).toString('base64url')}`;
      return { token, jti: jtiBytes.toString('base64url') };
    },
    verify(token) {
      const known = remembered.get(token);
      if (known !== undefined) return known;
      const claims = decode(token);
      if (claims === undefined) return undefined;
      // Bounded: a flood of distinct valid tokens starts the memory over rather than growing it.
      if (remembered.size >= REMEMBERED) remembered = new Map();
      remembered.set(token, claims);
      return claims;
    },
  };
}
