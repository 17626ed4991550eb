import { createApprovalService } from './approvals/approval-service.ts';
import { type AuditService, createAuditService } from './audit/audit-service.ts';
import type { UsageReader } from './authz/usage-summary.ts';
import { loadCatalog } from './catalog/load-catalog.ts';
import type { Catalog } from './catalog/types.ts';
import { lazyPgp } from './compose/lazy-pgp.ts';
import { loadServerParts, type ServerParts } from './compose/server-parts.ts';
import type { Config } from './config.ts';
import { createAlertClaimStore } from './db/alert-claim-store.ts';
import { createAttentionReader, createDenialBaselineStore } from './db/attention-store.ts';
import { assertReachable, createDbClient, type DbClient, describeUrl } from './db/client.ts';
import { countStoredKeys, startEmbeddedDatabase } from './db/embedded.ts';
import { applyMigrations, migrationsPending } from './db/migrate.ts';
import { createAuditReader } from './db/repositories/audit-reader.ts';
import { createSlackSignatureStore } from './db/slack-signature-store.ts';
import { createStore, type Store } from './db/store.ts';
import { createUsageReader } from './db/usage-store.ts';
import { createDeliveryService, type DeliveryService } from './delivery/delivery-service.ts';
import type { PgpEncryptor } from './delivery/encrypt.ts';
import type { ServiceSigningKey } from './delivery/service-key.ts';
import type { DirectMessenger } from './delivery/types.ts';
import { createAttentionService, snapshotRemovals } from './keys/attention.ts';
import type { createKeyImporter } from './keys/import-keys.ts';
import { createInsightsService, type InsightsService } from './keys/insights.ts';
import { createKeyService } from './keys/key-service.ts';
import { createLeakResponse, type LeakResponse } from './keys/leak-response.ts';
import { readOrCreatePepper } from './keys/pepper.ts';
import { createSecretDigest, type SecretDigest } from './keys/secret-digest.ts';
import { createSecretFormat } from './keys/secret-format.ts';
import type { Logger } from './logger.ts';
import { countDeliveries } from './observability/delivery-metrics.ts';
import { logKeyChanges, logKeyImports } from './observability/key-change-log.ts';
import type { Metrics } from './observability/metrics.ts';
import { createPartnerPgpService } from './partners/partner-pgp-service.ts';
import { createPartnerService } from './partners/partner-service.ts';
import { createRoleService } from './roles/role-service.ts';
import { AppError } from './shared/errors.ts';
import type { SlackServices } from './slack/deps.ts';

export type { ServerParts } from './compose/server-parts.ts';
export { createWebhookDelivery } from './compose/webhook-delivery.ts';

export interface Runtime {
  config: Config;
  catalog: Catalog;
  db: DbClient;
  store: Store;
  keys: ReturnType<typeof createKeyService>;
  importKeys: ReturnType<typeof createKeyImporter>;
  partners: ReturnType<typeof createPartnerService>;
  roles: ReturnType<typeof createRoleService>;
  /** Partners' PGP public keys: set (inspected, refused with a reason), confirm by fingerprint, query. */
  partnerPgp: ReturnType<typeof createPartnerPgpService>;
  /** The service's signing key, loaded (or generated in DATA_DIR) on first use. */
  serviceKey: { get(): Promise<ServiceSigningKey> };
  pgp: PgpEncryptor;
  /** Delivery needs a messenger (the Slack side's DM sender), so it is built by whoever owns one. */
  createDeliveryService(messenger: DirectMessenger): DeliveryService;
  secretFormat: ReturnType<typeof createSecretFormat>;
  digest: SecretDigest;
  /** The four-eyes rule for create, permission edits, re-enable and replace (APPROVAL_REQUIRED_FOR). */
  approvals: ReturnType<typeof createApprovalService>;
  /** GitHub secret scanning reports: a key of ours found in public is revoked (SECRET_SCANNING_ACTION). */
  leaks: LeakResponse;
  /** What /authz recorded per key (as of its last flush). */
  usage: UsageReader;
  /** The audit trail, read: `harvest-keys audit` and Slack's History view. */
  audit: AuditService;
  /** Usage per endpoint, and the least-privilege edits drawn from it (trim, legacy migration). */
  insights: InsightsService;
  /** Slack signatures already acted on, shared by every instance (the replay guard). */
  slackSignatures: ReturnType<typeof createSlackSignatureStore>;
  /** Everything the Slack app uses, built here from the members above: Slack reaches the database no other way. */
  slack: SlackServices;
  /** What only the server runs, loaded when it asks (a CLI run never does). */
  serverParts(): Promise<ServerParts>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Apply pending migrations first (the default); a second instance or a bench worker skips it. */
  migrate?: boolean | undefined;
  /** The server's metrics: deliveries are counted and /authz observed. Without them, nothing is. */
  metrics?: Metrics | undefined;
}

/**
 * Wires config → database → services. The server and the CLI both start here, so they always agree on the
 * database, the pepper and the catalog.
 */
export async function openRuntime(config: Config, logger: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  const catalog = await loadCatalog(config.catalogFile);
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    let url: string;
    let pepper = config.keyPepper;
    if (config.database.kind === 'embedded') {
      const embedded = await startEmbeddedDatabase(config.dataDir, config.database.port, logger);
      cleanups.push(embedded.stop);
      url = embedded.url;
      if (pepper === undefined) {
        const stored = await readOrCreatePepper(config.dataDir, async () => {
          const count = await countStoredKeys(url);
          return count === 0 ? undefined : `the database in ${config.dataDir} already holds ${count} key(s)`;
        });
        pepper = stored.pepper;
        if (stored.created) {
          logger.warn(
            { file: stored.file },
            'generated a key pepper for the embedded database; back this file up with the data (set KEY_PEPPER in production)',
          );
        }
      }
    } else {
      url = config.database.url;
    }
    if (pepper === undefined) throw new AppError('CONFIG_INVALID', 'KEY_PEPPER is missing');
    const db = createDbClient(url);
    cleanups.push(db.close);
    await assertReachable(db);
    if (options.migrate !== false) {
      const pending = await migrationsPending(db.sql);
      if (pending) await applyMigrations(url);
      logger.debug({ database: describeUrl(url) }, pending ? 'migrations applied' : 'migrations up to date');
    }
    const store = createStore(db.db, {
      legacyKeysExpireAt: config.expiry.legacyKeysExpireAt,
      // The CLI writes events too: the server's deliverer sends them.
      webhookEvents: config.webhooks !== undefined,
    });
    const secretFormat = createSecretFormat(config.keyPrefix);
    const digest = createSecretDigest(pepper);
    const shared = {
      store,
      catalog,
      secretFormat,
      digest,
      legacyCutoff: config.legacyCutoff,
      lifetime: { maxLifetimeDays: config.expiry.maxLifetimeDays },
    };
    // Wrapped once here, so every surface (Slack, CLI, approvals, sweeps) logs each key change the same way.
    // Edits that take endpoints away snapshot their denials, for the denial-burst alert (every surface edits here).
    const keyService = snapshotRemovals(
      logKeyChanges(createKeyService(shared), logger),
      createDenialBaselineStore(db.sql),
      (error, keyId) =>
        logger.warn({ err: error, keyId }, 'denial snapshot failed; a burst alert counts the whole day'),
    );
    const { serviceKey, pgp, inspectPublicKey } = lazyPgp(config);
    const { metrics } = options;
    const deliveryService = (messenger: DirectMessenger): DeliveryService => {
      const delivery = createDeliveryService({
        store,
        keys: keyService,
        encryptor: pgp,
        messenger,
        confirmHours: config.deliveryConfirmHours,
        oauthIssuer: config.authz.oauth.issuer,
        logger,
      });
      return metrics === undefined ? delivery : countDeliveries(delivery, metrics);
    };
    const partners = createPartnerService({ store, catalog });
    const roles = createRoleService({ store });
    const partnerPgp = createPartnerPgpService({ store, inspect: inspectPublicKey });
    const approvals = createApprovalService({ store, keys: keyService, policy: config.approvals });
    const usage = createUsageReader(db.sql);
    const audit = createAuditService({ reader: createAuditReader(db.db), audit: store.audit });
    const insights = createInsightsService({ keys: keyService, catalog, usage });
    const slackSignatures = createSlackSignatureStore(db.sql);
    const attention = createAttentionService({
      reader: createAttentionReader(db.sql),
      keys: keyService,
      // The delivery service's `unconfirmed()`, without the messenger only the Slack side has.
      deliveries: {
        unconfirmed: () =>
          store.deliveries.unconfirmedSentBefore(new Date(Date.now() - config.deliveryConfirmHours * 3600_000)),
      },
      policy: {
        deniedBurst: config.alerts.deniedBurst,
        unusedKeyDays: config.alerts.unusedKeyDays,
        // A denial reaches the database one usage flush later; the alert sweep runs every minute.
        lateMs: config.authz.usageFlushMs + 60_000,
      },
    });
    return {
      config,
      catalog,
      db,
      store,
      keys: keyService,
      // The CSV parser loads with the first import, not with every start.
      importKeys: async (bytes, actor) => {
        const { createKeyImporter } = await import('./keys/import-keys.ts');
        return logKeyImports(createKeyImporter(shared), logger)(bytes, actor);
      },
      partners,
      roles,
      partnerPgp,
      serviceKey,
      pgp,
      createDeliveryService: deliveryService,
      secretFormat,
      digest,
      usage,
      audit,
      insights,
      slackSignatures,
      approvals,
      leaks: createLeakResponse({
        findByDigest: (digest) => store.keys.findByDigest(digest),
        digest,
        keys: keyService,
        action: config.secretScanning.action,
      }),
      slack: {
        catalog,
        keys: keyService,
        partners,
        roles,
        usage,
        audit,
        insights,
        approvals,
        partnerPgp,
        serviceKey,
        createDelivery: deliveryService,
        deliveryConfirmHours: config.deliveryConfirmHours,
        oauthIssuer: config.authz.oauth.issuer,
        seenSignatures: slackSignatures,
        alertsChannel: config.alerts.channel,
        alertClaims: createAlertClaimStore(db.sql),
        expiryReminderDays: config.alerts.expiryReminderDays,
        attention,
      },
      serverParts: () => loadServerParts({ config, catalog, db, secretFormat, digest, pepper, logger, metrics }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
