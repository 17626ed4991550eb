import type { AuthzService } from '../authz/authz-service.ts';
import type { Catalog } from '../catalog/types.ts';
import type { Config } from '../config.ts';
import type { DbClient } from '../db/client.ts';
import { shippedMigrationCount } from '../db/migrate.ts';
import { createUsageSink } from '../db/usage-store.ts';
import { databaseReadiness, type ReadinessCheck } from '../http/health.ts';
import type { SecretDigest } from '../keys/secret-digest.ts';
import type { createSecretFormat } from '../keys/secret-format.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { WebhookDeliverer } from '../webhooks/deliverer.ts';
import { createWebhookDelivery } from './webhook-delivery.ts';

export interface ServerParts {
  /** /authz for this instance, over this database; not started yet. */
  authz: AuthzService;
  /** The database's part of /readyz: reachable, and every migration this build ships applied. */
  databaseReadiness: ReadinessCheck;
  /** Writes the catalog's endpoints to the database, where reports read them. */
  syncCatalog(): Promise<void>;
  /** Sends the webhook outbox (WEBHOOK_URL set); not started yet. Every instance runs one: each message goes once. */
  webhooks: WebhookDeliverer | undefined;
}

/** What the runtime already holds that the server's parts are built over. */
export interface ServerPartsDeps {
  config: Config;
  catalog: Catalog;
  db: DbClient;
  secretFormat: ReturnType<typeof createSecretFormat>;
  digest: SecretDigest;
  pepper: string;
  logger: Logger;
  metrics: Metrics | undefined;
}

export async function loadServerParts({
  config,
  catalog,
  db,
  secretFormat,
  digest,
  pepper,
  logger,
  metrics,
}: ServerPartsDeps): Promise<ServerParts> {
  // Loaded when the server asks, not with this module: a CLI run never needs enforcement or the catalog sync.
  const [
    { createAuthzService },
    { createKeyIndexSource },
    { createKeyChangeListener },
    { syncCatalog },
    { createAccessTokens },
    { createOAuthEvents },
  ] = await Promise.all([
    import('../authz/authz-service.ts'),
    import('../db/key-index-source.ts'),
    import('../db/key-change-listener.ts'),
    import('../db/catalog-sync.ts'),
    import('../authz/access-token.ts'),
    import('../db/oauth-events.ts'),
  ]);
  return {
    authz: createAuthzService({
      catalog,
      secretFormat,
      digest,
      source: createKeyIndexSource(db.sql, { legacyKeysExpireAt: config.expiry.legacyKeysExpireAt }),
      feed: createKeyChangeListener(db.url, { heartbeatMs: Math.min(5_000, config.authz.maxStalenessMs / 3) }),
      usageSink: createUsageSink(db.sql),
      logger,
      maxStalenessMs: config.authz.maxStalenessMs,
      usageFlushMs: config.authz.usageFlushMs,
      realm: config.authz.realm,
      observer: metrics,
      clientIp: config.authz.clientIp,
      oauth: {
        // Derived from the pepper: every instance of this deployment verifies every other's tokens.
        tokens: createAccessTokens(pepper),
        tokenTtlSeconds: config.authz.oauth.tokenTtlSeconds,
        issuer: config.authz.oauth.issuer,
        events: createOAuthEvents(db.db, { webhookEvents: config.webhooks !== undefined }),
      },
    }),
    databaseReadiness: databaseReadiness(db.sql, shippedMigrationCount()),
    syncCatalog: () => syncCatalog(db.db, catalog),
    webhooks:
      config.webhooks === undefined ? undefined : await createWebhookDelivery(config.webhooks, db, logger, { metrics }),
  };
}
