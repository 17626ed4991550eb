import { and, eq, lte, sql } from 'drizzle-orm';
import type { OAuthEvents } from '../authz/oauth-server.ts';
import type { Database } from './client.ts';
import { withWebhookEvents } from '../webhooks/audit-events.ts';
import { createAuditRepository } from './repositories/audit-repository.ts';
import { createWebhookOutboxWriter } from './repositories/webhook-outbox-repository.ts';
import { oauthRevokedTokens } from './schema/index.ts';
import { KEY_CHANGES_CHANNEL } from './store.ts';

/**
 * The OAuth endpoints' writes. A revoked token is stored with its client's row and announced as a change to that
 * row, in one transaction, so every instance reloads the client (with its revoked token ids) exactly as it applies
 * a revocation or an edit: the same notification, the same freshness guarantee, no second channel.
 */
export function createOAuthEvents(db: Database, options: { webhookEvents?: boolean } = {}): OAuthEvents {
  // The same audit writer as every other change (store.ts): with webhooks on, each row is an outbox message too.
  const auditOf = (conn: Database) =>
    options.webhookEvents === true
      ? withWebhookEvents(createAuditRepository(conn), createWebhookOutboxWriter(conn))
      : createAuditRepository(conn);
  return {
    async clientAuthFailed(event) {
      await auditOf(db).append({
        actor: 'oauth',
        action: 'oauth.client_auth_failed',
        details: { clientId: event.clientId, address: event.address, reason: event.reason, method: event.method },
      });
    },
    async tokenRevoked(token) {
      await db.transaction(async (tx) => {
        await tx
          .insert(oauthRevokedTokens)
          .values({ jti: token.jti, keyId: token.keyId, expiresAt: token.expiresAt })
          .onConflictDoNothing();
        // The client's rows of tokens that have expired since: refused for their expiry anyway.
        await tx
          .delete(oauthRevokedTokens)
          .where(and(eq(oauthRevokedTokens.keyId, token.keyId), lte(oauthRevokedTokens.expiresAt, new Date())));
        await auditOf(tx as unknown as Database).append({
          actor: token.clientId,
          action: 'oauth.token_revoked',
          keyId: token.keyId,
          details: { clientId: token.clientId, jti: token.jti, expiresAt: token.expiresAt.toISOString() },
        });
        await tx.execute(sql`select pg_notify(${KEY_CHANGES_CHANNEL}, ${token.keyId})`);
      });
    },
  };
}
