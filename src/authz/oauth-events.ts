/** What the OAuth endpoints write (implemented over the database in src/db/oauth-events.ts). */
export interface OAuthEvents {
  /** A failed client authentication, for the audit trail: who was claimed, from where, why; never the secret. */
  clientAuthFailed(event: { clientId: string | null; address: string; reason: string; method: string }): Promise<void>;
  /** Keeps a revoked token's id until its expiry and tells every instance (a change to the client's row). */
  tokenRevoked(token: { jti: string; keyId: string; clientId: string; expiresAt: Date }): Promise<void>;
}
