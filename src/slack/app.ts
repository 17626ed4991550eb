import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type AppOptions, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { RetryOptions } from '@slack/web-api';
import type { SlackConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from '../shared/clock.ts';
import { refreshApprovalCard } from './flows/approval-flow.ts';
import type { ApprovalRequest } from '../approvals/types.ts';
import type { DeliveryService } from '../delivery/delivery-service.ts';
import { createSlackMessenger } from './flows/delivery-messenger.ts';
import { boltLogger } from './bolt-logger.ts';
import { installedTeam, sameTeamOnly } from './team-guard.ts';
import { ackOnFailure } from './ack-on-failure.ts';
import { guardSlackBodies } from './body-guard.ts';
import { freshRequestsOnly, refuseMalformedSigning, signingHeaders } from './replay-guard.ts';
import { ActionId } from './ui/ids.ts';
import type { Metrics } from '../observability/metrics.ts';
import { countingFetch, observeSlackRequests } from '../observability/slack.ts';
import { tellOnUnhandledFailure } from './unhandled-failure.ts';
import type { SlackDeps, SlackServices } from './deps.ts';
import { createHomePublisher } from './flows/home-publisher.ts';
import { LISTENERS } from './listeners/index.ts';
import { createAlertPoster } from './alerts/alert-poster.ts';
import { runAlertSweeps } from './alerts/alert-sweeps.ts';
import { ALERT_SWEEPS } from './alerts/index.ts';
import { createLeakAlerts } from './alerts/leak-alerts.ts';
import type { LeakFinding } from '../keys/leak-response.ts';

export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * Web API retries in production: a few quick ones with exponential backoff (429s wait their Retry-After), so a
 * blip is absorbed but a person is told within seconds, not after the client's default half hour of retries.
 */
export const SLACK_RETRY: RetryOptions = { retries: 3, factor: 2, minTimeout: 250, maxTimeout: 2_000, randomize: true };

export interface SlackAppOptions {
  config: SlackConfig;
  services: SlackServices;
  logger: Logger;
  /** Known bot identity: skips the `auth.test` call Bolt otherwise makes (tests, benchmarks). */
  botIdentity?: { botId: string; botUserId: string } | undefined;
  /** Web API retries; tests use `{ retries: 0 }` so a failure shows at once. */
  retryConfig?: RetryOptions | undefined;
  now?: Clock | undefined;
  /** Handler latency and Web API failures go here (and a log line per request goes to `logger` either way). */
  metrics?: Metrics | undefined;
}

export interface SlackApp {
  app: App;
  /**
   * Checks the bot token (`auth.test`, once it has passed), then HTTP mode listens on `port` (0 picks a free one) and
   * Socket Mode connects. Rejects on any failure and may be called again.
   */
  start(port?: number): Promise<void>;
  /** Checks the bot token with Slack (`auth.test`, until it has passed once); start() does it first anyway. */
  verifyToken(): Promise<void>;
  /** Resolves when an established Socket Mode connection is lost (it does not reconnect by itself); never in HTTP mode. */
  disconnected(): Promise<void>;
  stop(): Promise<void>;
  /** The HTTP port once started (HTTP mode). */
  port(): number | undefined;
  /** Encrypted hand-over to partner contacts, sent by this app: main sweeps it. */
  delivery: DeliveryService;
  /** Rewrites cards whose request changed outside a click (the expiry sweep). */
  refreshApprovalCards(requests: readonly ApprovalRequest[]): Promise<void>;
  /** Sends the alerts now due to ALERTS_CHANNEL (each once across instances): main runs it at start-up and every minute. */
  runAlertSweeps(): Promise<void>;
  /** Announces a key GitHub secret scanning found in public (once across instances; a failed post is retried by the sweeps). */
  announceLeak(finding: LeakFinding): Promise<void>;
}

/** Seen event ids, so Slack's retries of an event we already handled do not run it twice. */
function createRetryFilter(limit = 5000) {
  const seen = new Set<string>();
  return (eventId: string): boolean => {
    if (seen.has(eventId)) return true;
    seen.add(eventId);
    if (seen.size > limit) seen.delete(seen.values().next().value as string);
    return false;
  };
}

export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { config, logger } = options;
  const common: AppOptions = {
    token: config.botToken,
    logger: boltLogger(logger),
    ignoreSelf: true,
    clientOptions: {
      ...(config.apiUrl === undefined ? {} : { slackApiUrl: config.apiUrl }),
      retryConfig: options.retryConfig ?? SLACK_RETRY,
      ...(options.metrics === undefined ? {} : { fetch: countingFetch(options.metrics) }),
    },
    ...(options.botIdentity === undefined ? {} : { ...options.botIdentity, tokenVerificationEnabled: false }),
    // Otherwise the constructor calls auth.test and nothing awaits it: a refused or unreachable Slack was an unhandled
    // rejection that stopped the process (/authz with it). start() runs it through init() and reports the failure.
    deferInitialization: true,
  };
  if (config.mode === 'http') guardSlackBodies();
  // Built here rather than by App, which passes no customPropertiesExtractor: the replay guard needs the headers.
  const receiver =
    config.mode === 'http'
      ? new HTTPReceiver({
          signingSecret: config.signingSecret,
          endpoints: SLACK_EVENTS_PATH,
          port: config.port,
          logger: common.logger,
          // Ack goes out as soon as a listener calls ack(); slow work continues after, within Slack's 3 s.
          processBeforeResponse: false,
          customPropertiesExtractor: signingHeaders,
        })
      : undefined;
  if (receiver !== undefined) receiver.requestListener = refuseMalformedSigning(receiver.requestListener, logger);
  // Socket Mode's client retries apps.connections.open a hundred times by default and reconnects on its own, where
  // a failure is a promise nobody awaits: the caller of start() reconnects instead, and SLACK_API_URL applies here too.
  const socketReceiver =
    config.mode === 'socket'
      ? new SocketModeReceiver({
          appToken: config.appToken,
          logger: common.logger,
          autoReconnectEnabled: false,
          installerOptions: {
            clientOptions: {
              ...(config.apiUrl === undefined ? {} : { slackApiUrl: config.apiUrl }),
              retryConfig: options.retryConfig ?? SLACK_RETRY,
            },
          },
        })
      : undefined;
  const app =
    receiver !== undefined
      ? new App({ ...common, receiver })
      : new App({ ...common, socketMode: true, receiver: socketReceiver });
  // Bolt 5 keeps its per-team Web API client pools in a plain object keyed by the team id a request names, before any
  // middleware runs: a signed request naming `valueOf` or `__proto__` got a prototype member back and a 500. A
  // prototype-free object treats those ids like any other (and the team guard then refuses them).
  (app as unknown as { clients: Record<string, unknown> }).clients = Object.create(null) as Record<string, unknown>;

  app.use(observeSlackRequests(logger, options.metrics));
  app.use(tellOnUnhandledFailure(logger));
  app.use(ackOnFailure(config.command));
  app.use(freshRequestsOnly(logger, options.services.seenSignatures));
  // Before any listener: a validly signed request from another workspace must not act as one of ours.
  app.use(sameTeamOnly(installedTeam(app.client, config.teamId), logger, new Set([ActionId.deliveryStored])));
  const alreadySeen = createRetryFilter();
  app.use(async ({ body, context, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && alreadySeen(eventId) && context.retryNum !== undefined) {
      logger.debug(
        { eventId, retryNum: context.retryNum, retryReason: context.retryReason },
        'Slack retry of a handled event skipped',
      );
      return;
    }
    await next();
  });

  app.error(async (error) => {
    const original = (error as { original?: unknown }).original ?? error;
    logger.error({ err: original, code: error.code }, 'Slack listener failed');
  });

  const deps: SlackDeps = {
    services: options.services,
    logger,
    command: config.command,
    now: options.now ?? (() => new Date()),
    // The encrypted hand-over sends through this app's own client (the bot token), so it is built here.
    delivery: options.services.createDelivery(createSlackMessenger(app.client, logger)),
  };

  const context = { deps, publishHome: createHomePublisher(deps) };
  for (const listener of LISTENERS) listener.register(app, context);

  const alerts = {
    deps,
    client: app.client,
    poster: createAlertPoster(deps, app.client, options.services.alertsChannel),
    claims: options.services.alertClaims,
  };

  const leakAlerts = createLeakAlerts();

  let server: Server | undefined;
  let initialised = false;
  return {
    app,
    async verifyToken() {
      if (initialised) return;
      await app.init();
      initialised = true;
    },
    async start(port?: number) {
      await this.verifyToken();
      if (config.mode === 'http') {
        // No host: every interface (Node's default); config sets loopback on a developer machine.
        server = (await app.start({
          port: port ?? config.port,
          ...(config.host === undefined ? {} : { host: config.host }),
        })) as Server;
      } else {
        await app.start();
      }
    },
    disconnected: () => new Promise<void>((resolve) => socketReceiver?.client.once('disconnected', () => resolve())),
    async stop() {
      await app.stop();
      server = undefined;
    },
    port: () => (server === undefined ? undefined : (server.address() as AddressInfo).port),
    delivery: deps.delivery,
    async refreshApprovalCards(requests) {
      for (const request of requests) await refreshApprovalCard(deps, app.client, request);
    },
    runAlertSweeps: () => runAlertSweeps(alerts, [...ALERT_SWEEPS, leakAlerts.sweep]),
    announceLeak: (finding) => leakAlerts.announce(alerts, finding),
  };
}
