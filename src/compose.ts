import { createApprovalService } from './approvals/approval-service.ts';
import { type AuditService, createAuditService } from './audit/audit-service.ts';
import type { AuthzService } from './authz/authz-service.ts';
import type { UsageReader } from './authz/usage-summary.ts';
import { loadCatalog } from './catalog/load-catalog.ts';
import type { Catalog } from './catalog/types.ts';
import type { Config } from './config.ts';
import { assertReachable, createDbClient, type DbClient, describeUrl } from './db/client.ts';
import { countStoredKeys, startEmbeddedDatabase } from './db/embedded.ts';
import { applyMigrations, migrationsPending, shippedMigrationCount } from './db/migrate.ts';
import { createAlertClaimStore } from './db/alert-claim-store.ts';
import { createAttentionReader, createDenialBaselineStore } from './db/attention-store.ts';
import { createAuditReader } from './db/repositories/audit-reader.ts';
import { createSlackSignatureStore } from './db/slack-signature-store.ts';
import { createStore, type Store } from './db/store.ts';
import { createUsageReader, createUsageSink } from './db/usage-store.ts';
import { createDeliveryService, type DeliveryService } from './delivery/delivery-service.ts';
import type { PgpEncryptor } from './delivery/encrypt.ts';
import type { ServiceSigningKey } from './delivery/service-key.ts';
import type { DirectMessenger } from './delivery/types.ts';
import { databaseReadiness, type ReadinessCheck } from './http/health.ts';
import type { createKeyImporter } from './keys/import-keys.ts';
import { createAttentionService, snapshotRemovals } from './keys/attention.ts';
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
import type { PgpKeyInfo } from './partners/pgp-key-info.ts';
import { createRoleService } from './roles/role-service.ts';
import { AppError } from './shared/errors.ts';
import type { SlackServices } from './slack/deps.ts';
import type { WebhookDeliverer, WebhookDelivererOptions } from './webhooks/deliverer.ts';
import { parseWebhookSecret } from './webhooks/signature.ts';

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

/** Bounds one attempt; the deliverer's lease (60 s) is longer, so no other instance sends a message meanwhile. */
const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * The webhook deliverer over `db`, counted on `metrics` when given. Tests build several (instances sharing one
 * database) and move their clock or shorten their waits through `tuning`.
 */
export async function createWebhookDelivery(
  webhooks: NonNullable<Config['webhooks']>,
  db: DbClient,
  logger: Logger,
  options: {
    metrics?: Metrics | undefined;
    timeoutMs?: number;
    tuning?: Omit<WebhookDelivererOptions, 'outbox' | 'sender' | 'logger'>;
  } = {},
): Promise<WebhookDeliverer> {
  const key = parseWebhookSecret(webhooks.secret);
  // loadConfig refuses such a secret; this guards a Config built by hand.
  if (key === undefined) throw new AppError('CONFIG_INVALID', 'WEBHOOK_SECRET is not a whsec_… secret');
  // Loaded by the server only: a CLI run writes events but never sends them (nor loads the metrics library).
  const [{ createWebhookOutbox }, { createWebhookDeliverer }, { createHttpWebhookSender }, metricsModule] =
    await Promise.all([
      import('./db/repositories/webhook-outbox-repository.ts'),
      import('./webhooks/deliverer.ts'),
      import('./webhooks/http-sender.ts'),
      options.metrics === undefined ? undefined : import('./observability/webhook-metrics.ts'),
    ]);
  const outbox = createWebhookOutbox(db.db);
  return createWebhookDeliverer({
    outbox,
    sender: createHttpWebhookSender({ url: webhooks.url, key, timeoutMs: options.timeoutMs ?? WEBHOOK_TIMEOUT_MS }),
    logger: logger.child({ component: 'webhooks' }),
    ...(options.metrics === undefined || metricsModule === undefined
      ? {}
      : { onAttempt: metricsModule.observeWebhooks(options.metrics, outbox) }),
    ...options.tuning,
  });
}

export interface RuntimeOptions {
  /** Apply pending migrations first (the default); a second instance or a bench worker skips it. */
  migrate?: boolean | undefined;
  /** The server's metrics: deliveries are counted and /authz observed. Without them, nothing is. */
  metrics?: Metrics | undefined;
}

/**
 * openpgp is a large share of the module graph: it loads on first use (the signing key, a delivery, a partner's
 * key), not on every start of the server or the CLI.
 */
function lazyPgp(config: Config): {
  serviceKey: Runtime['serviceKey'];
  pgp: PgpEncryptor;
  inspectPublicKey: (armored: string, now: Date) => Promise<PgpKeyInfo>;
} {
  let provider: Promise<Runtime['serviceKey']> | undefined;
  const serviceKey = {
    async get(): Promise<ServiceSigningKey> {
      provider ??= import('./delivery/service-key.ts').then(({ createServiceKeyProvider }) =>
        createServiceKeyProvider({
          privateArmored: config.servicePgp.privateKey,
          passphrase: config.servicePgp.passphrase,
          dataDir: config.dataDir,
        }),
      );
      return (await provider).get();
    },
  };
  return {
    serviceKey,
    pgp: {
      async encryptAndSign(...args) {
        const { createPgpEncryptor } = await import('./delivery/encrypt.ts');
        return createPgpEncryptor(serviceKey).encryptAndSign(...args);
      },
    },
    inspectPublicKey: async (armored, now) =>
      (await import('./delivery/inspect-public-key.ts')).inspectPublicKey(armored, now),
  };
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
      serverParts: async () => {
        // Loaded when the server asks, not with this module: a CLI run never needs enforcement or the catalog sync.
        const [
          { createAuthzService },
          { createKeyIndexSource },
          { createKeyChangeListener },
          { syncCatalog },
          { createAccessTokens },
          { createOAuthEvents },
        ] = await Promise.all([
          import('./authz/authz-service.ts'),
          import('./db/key-index-source.ts'),
          import('./db/key-change-listener.ts'),
          import('./db/catalog-sync.ts'),
          import('./authz/access-token.ts'),
          import('./db/oauth-events.ts'),
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
            config.webhooks === undefined
              ? undefined
              : await createWebhookDelivery(config.webhooks, db, logger, { metrics }),
        };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
