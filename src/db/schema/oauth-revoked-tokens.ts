import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.ts';

/**
 * Access tokens revoked before their expiry (RFC 7009), by token id. Kept only until the token would have expired:
 * every instance loads a client's rows with the client (the key index), so a revocation travels with the key change
 * notification like any other change to the client.
 */
export const oauthRevokedTokens = pgTable(
  'oauth_revoked_tokens',
  {
    jti: text('jti').primaryKey(),
    keyId: text('key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('oauth_revoked_tokens_key_id_idx').on(table.keyId, table.expiresAt)],
);
