import 'dotenv/config';
import { openRuntime } from './compose.ts';
import { loadConfig } from './config.ts';
import { syncCatalog } from './db/catalog-sync.ts';
import { shippedMigrationCount } from './db/migrate.ts';
import { databaseReadiness } from './http/health.ts';
import { createHttpServer, listen } from './http/server.ts';
import { createLogger } from './logger.ts';
import { isAppError } from './shared/errors.ts';
import { describeFatal } from './shared/fatal.ts';

const SWEEP_INTERVAL_MS = 30_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const started = performance.now();
  const runtime = await openRuntime(config, logger);
  await syncCatalog(runtime.db.db, runtime.catalog);
  await runtime.roles.bootstrapAdmins(config.adminSlackUserIds);

  const http = createHttpServer({
    logger,
    readiness: [databaseReadiness(runtime.db.sql, shippedMigrationCount())],
  });
  await listen(http.server, config.authz.port, config.authz.host);
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
  logger.info(
    'Slack is not connected: set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) to connect it',
  );

  const sweep = setInterval(() => {
    runtime.keys.revokeDue().then(
      (ids) => ids.length > 0 && logger.info({ keyIds: ids }, 'scheduled revocations applied'),
      (error: unknown) => logger.warn({ err: error }, 'scheduled revocation sweep failed; will retry'),
    );
  }, SWEEP_INTERVAL_MS);
  sweep.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    clearInterval(sweep);
    await http.close();
    await runtime.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`harvest-keys: ${describeFatal(error)}\n`);
  if (!isAppError(error) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
