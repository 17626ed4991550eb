import './env-file.ts';
import { approvalsOn, approvalsSummary } from './approvals/policy.ts';
import { answerUnavailable } from './authz/authz-handler.ts';
import { OAUTH_METADATA_PATH, OAUTH_PREFIX } from './authz/oauth-server.ts';
import type { AuthzService } from './authz/authz-service.ts';
import { openRuntime, type Runtime } from './compose.ts';
import { loadConfig } from './config.ts';
import type { ReadinessCheck } from './http/health.ts';
import { authzRoute } from './http/authz-route.ts';
import { createHttpServer, listen } from './http/server.ts';
import { createGithubSignatureVerifier } from './http/github-signature.ts';
import { secretScanningRoute } from './http/secret-scanning-route.ts';
import { serviceKeyRoute } from './http/service-key-route.ts';
import { createLogger } from './logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { exposeMetrics } from './observability/metrics-listener.ts';
import type { Logger } from './logger.ts';
import type { Config } from './config.ts';
import { isAppError } from './shared/errors.ts';
import { describeFatal, isExpectedFailure } from './shared/fatal.ts';
import type { SlackApp } from './slack/app.ts';
import type { SlackSupervisor } from './slack/supervisor.ts';
import type { WebhookDeliverer } from './webhooks/deliverer.ts';

const SWEEP_INTERVAL_MS = 30_000;
/** Alerts (expiry reminders and the like) are checked at start-up and then this often. */
const ALERT_SWEEP_INTERVAL_MS = 60_000;
const RECONNECT_MAX_MS = 5_000;

/** Set once the runtime is open, so every way out (a fatal error included) stops the embedded PostgreSQL. */
let closeRuntime: (() => Promise<void>) | undefined;

/**
 * A database that is down at start-up is waited for, not fatal: the listener is already up, so /healthz answers
 * and /readyz and /authz say 503 until it comes back. Other start-up errors (bad config, failed migration) still stop.
 */
async function openRuntimeWhenReachable(
  config: Config,
  logger: Logger,
  metrics: Metrics,
  stopping: () => boolean,
): Promise<Runtime | undefined> {
  let delay = 250;
  for (;;) {
    try {
      return await openRuntime(config, logger, { metrics });
    } catch (error) {
      if (!isAppError(error) || error.code !== 'DATABASE_UNREACHABLE') throw error;
      logger.warn({ err: error, retryInMs: delay }, `${error.message}; retrying`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (stopping()) return undefined;
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const started = performance.now();
  let runtime: Runtime | undefined;
  let authz: AuthzService | undefined;
  let slack: SlackApp | undefined;
  let slackSide: SlackSupervisor | undefined;
  let databaseCheck: ReadinessCheck | undefined;
  let webhooks: WebhookDeliverer | undefined;
  const pending = (detail: string) => Promise.resolve({ ok: false, detail });
  const metrics = createMetrics();
  metrics.onScrape(() => {
    const status = authz?.sync.status(Date.now());
    metrics.gauges.indexKeys.set(status?.keys ?? 0);
    metrics.gauges.indexFresh.set(status?.freshness === 'fresh' ? 1 : 0);
  });
  metrics.onScrape(async () => {
    if (runtime !== undefined) metrics.gauges.approvalsPending.set((await runtime.approvals.listPending()).length);
  });

  const metricsExposure = await exposeMetrics(config.metrics, metrics, logger);
  const http = createHttpServer({
    logger,
    // Readiness is about enforcement: Slack is reported, never a reason for 503.
    report: () => ({
      slack:
        slackSide?.status() ??
        (config.slack === undefined
          ? { status: 'not configured' }
          : { status: 'degraded', reason: 'waiting for the database' }),
    }),
    readiness: [
      { name: 'database', check: () => databaseCheck?.check() ?? pending('connecting') },
      { name: 'authz', check: () => authz?.readiness.check() ?? pending('key index not loaded yet') },
    ],
    routes: [
      authzRoute(
        (req, res, requestId) => {
          if (authz !== undefined) return authz.handle(req, res, requestId);
          answerUnavailable(res, requestId);
          metrics.authzDecision('unavailable', '', 0);
        },
        { fastLane: config.authz.fastLane },
      ),
      // Token, introspection and revocation: gateways route /oauth/* here without auth_request.
      {
        prefix: OAUTH_PREFIX,
        handler: (req, res, requestId) => {
          if (authz?.oauth !== undefined) return authz.oauth.handle(req, res, requestId);
          // The server has already put X-Request-Id on this route's answers.
          answerUnavailable(res);
        },
      },
      {
        prefix: OAUTH_METADATA_PATH,
        handler: (req, res, requestId) => {
          if (authz?.oauth !== undefined) return authz.oauth.metadata(req, res, requestId);
          answerUnavailable(res);
        },
      },
      serviceKeyRoute(() => runtime?.serviceKey),
      // GitHub secret scanning reports: signed by GitHub, so the gateway routes them here without auth_request.
      secretScanningRoute({
        verifier: createGithubSignatureVerifier({ url: config.secretScanning.keysUrl, logger }),
        leaks: () => runtime?.leaks,
        // Without Slack the route's own log line is the alert.
        announce: (finding) => slack?.announceLeak(finding),
        logger,
        counted: (label, count) => metrics.secretScanning(label, count),
      }),
      ...metricsExposure.authzPortRoutes,
    ],
  });
  await listen(http.server, config.authz.port, config.authz.host);
  logger.info(
    { host: config.authz.host, port: http.port() },
    'listening; /authz answers 503 until the key index is loaded',
  );

  let stopping = false;
  let sweep: NodeJS.Timeout | undefined;
  let alertSweep: NodeJS.Timeout | undefined;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    clearInterval(sweep);
    clearInterval(alertSweep);
    await slackSide?.stop();
    await http.close();
    await metricsExposure.close();
    await authz?.stop();
    // Attempts in flight finish first; whatever is left waits in the outbox for the next start.
    await webhooks?.stop();
    await runtime?.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  process.on('unhandledRejection', (reason) => {
    // A backstop for libraries' own promises: a failure there must not take /authz down.
    logger.error({ err: reason }, 'unhandled promise rejection (a bug); /authz keeps serving');
  });
  // Both are needed further down; loading them (openpgp, and Bolt when Slack is configured) while the database starts
  // uses time this process would otherwise spend waiting.
  void import('./delivery/service-key.ts').catch(() => {});
  const slackModule = config.slack === undefined ? undefined : import('./slack/app.ts');
  slackModule?.catch(() => {});
  runtime = await openRuntimeWhenReachable(config, logger, metrics, () => stopping);
  if (runtime === undefined) return;
  closeRuntime = runtime.close;
  const server = await runtime.serverParts();
  await server.syncCatalog();
  await runtime.roles.bootstrapAdmins(config.adminSlackUserIds);
  databaseCheck = server.databaseReadiness;
  const serviceKey = await runtime.serviceKey.get();
  (serviceKey.source === 'generated' ? logger.warn.bind(logger) : logger.info.bind(logger))(
    { fingerprint: serviceKey.formattedFingerprint, source: serviceKey.source, file: serviceKey.file },
    serviceKey.source === 'generated'
      ? 'generated the PGP key that signs deliveries; back this file up with the data (or set SERVICE_PGP_PRIVATE_KEY)'
      : 'PGP key that signs deliveries loaded; partners verify against this fingerprint',
  );

  authz = server.authz;
  authz.start();
  webhooks = server.webhooks;
  webhooks?.start();
  await authz.sync.loaded();
  logger.info(
    {
      port: http.port(),
      catalog: runtime.catalog.name,
      endpoints: runtime.catalog.endpoints.length,
      database: config.database.kind,
      readyInMs: Math.round(performance.now() - started),
    },
    'harvest-keys is ready',
  );
  logger.info({ approvals: approvalsOn(config.approvals) }, approvalsSummary(config.approvals));
  logger.info(
    webhooks === undefined
      ? 'webhooks are off: set WEBHOOK_URL and WEBHOOK_SECRET to send key, partner and approval events'
      : 'webhooks on: key, partner and approval events are signed and sent to WEBHOOK_URL',
  );
  if (config.slack === undefined) {
    logger.info(
      'Slack is not connected: set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) to connect it',
    );
  } else {
    // Bolt is most of the module graph's load time: a start without Slack never loads it.
    const { createSlackApp } = await (slackModule ?? import('./slack/app.ts'));
    // The supervisor's error advice reads @slack/web-api's codes: loaded here too, not on a start without Slack.
    const { superviseSlack } = await import('./slack/supervisor.ts');
    slack = createSlackApp({ config: config.slack, services: runtime.slack, logger, metrics });
    const slackConfig = config.slack;
    const started = slack;
    // In the background: enforcement is already serving and never waits for (or falls with) Slack.
    slackSide = superviseSlack({
      slack,
      config: slackConfig,
      logger,
      onConnected: () =>
        logger.info(
          { mode: slackConfig.mode, port: started.port(), command: slackConfig.command },
          slackConfig.mode === 'http'
            ? 'Slack app listening for requests at /slack/events'
            : 'Slack app connected over Socket Mode',
        ),
    });
  }

  const { keys, approvals } = runtime;
  sweep = setInterval(() => {
    keys.revokeDue().then(
      (ids) => ids.length > 0 && logger.info({ keyIds: ids }, 'scheduled revocations applied'),
      (error: unknown) => logger.warn({ err: error }, 'scheduled revocation sweep failed; will retry'),
    );
    approvals.sweep().then(
      async ({ expiredRequests, expiredReveals }) => {
        if (expiredRequests.length + expiredReveals.length === 0) return;
        logger.info(
          { requests: expiredRequests.map((r) => r.id), reveals: expiredReveals.length },
          'approval requests and reveals expired',
        );
        await slack?.refreshApprovalCards(expiredRequests);
      },
      (error: unknown) => logger.warn({ err: error }, 'approval expiry sweep failed; will retry'),
    );
    // A delivery left pending (the process stopped mid-send) is given up and its key revoked.
    slack?.delivery.closeAbandoned().then(
      (ids) =>
        ids.length > 0 && logger.warn({ deliveryIds: ids }, 'abandoned deliveries closed; their keys were revoked'),
      (error: unknown) => logger.warn({ err: error }, 'abandoned delivery sweep failed; will retry'),
    );
  }, SWEEP_INTERVAL_MS);
  sweep.unref();

  const alertsFrom = slack;
  if (alertsFrom !== undefined) {
    // A sweep still running when the next is due is not doubled: claims would keep the alerts single anyway, but
    // two overlapping sweeps would only add load.
    let sweeping = false;
    const sweepAlerts = () => {
      if (sweeping) return;
      sweeping = true;
      alertsFrom
        .runAlertSweeps()
        .catch((error: unknown) => logger.warn({ err: error }, 'alert sweep failed; will retry'))
        .finally(() => {
          sweeping = false;
        });
    };
    sweepAlerts();
    alertSweep = setInterval(sweepAlerts, ALERT_SWEEP_INTERVAL_MS);
    alertSweep.unref();
  }
}

async function fatal(error: unknown): Promise<never> {
  process.stderr.write(`harvest-keys: ${describeFatal(error)}\n`);
  if (!isExpectedFailure(error) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  await closeRuntime?.().catch((closeError: unknown) =>
    process.stderr.write(`harvest-keys: closing the database failed: ${describeFatal(closeError)}\n`),
  );
  process.exit(1);
}

process.on('uncaughtException', (error) => void fatal(error));
main().catch(fatal);
