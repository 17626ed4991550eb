import type { SlackConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { SlackApp } from './app.ts';
import { describeSlackProblem } from './connection-problem.ts';

export type SlackStatus = { status: 'ok' } | { status: 'degraded'; reason: string };

export interface SlackSupervisor {
  status(): SlackStatus;
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  slack: SlackApp;
  config: SlackConfig;
  logger: Logger;
  /** Logged once the app is up (and again after each recovery). */
  onConnected?: () => void;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

const STOP_TIMEOUT_MS = 3_000;

function bounded(pending: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    pending,
    new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS))),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Enforcement never waits for Slack. The Slack side is started in the background: the bot token is checked, then the
 * app listens (HTTP) or connects (Socket Mode); any failure leaves it degraded with a reason, logs one line saying what
 * to fix (once per distinct problem, not per attempt), and is retried with exponential backoff until Slack answers.
 * A lost Socket Mode connection is reconnected the same way.
 */
export function superviseSlack(options: SupervisorOptions): SlackSupervisor {
  const { slack, config, logger } = options;
  const firstDelay = options.firstDelayMs ?? 1_000;
  const maxDelay = options.maxDelayMs ?? 30_000;
  let current: SlackStatus = { status: 'degraded', reason: 'connecting to Slack' };
  let stopping = false;
  let started = false;
  let wake: (() => void) | undefined;
  let lastAdvice: string | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function attempt(): Promise<void> {
    try {
      await slack.verifyToken();
    } catch (error) {
      throw describeSlackProblem(error, 'bot token', config);
    }
    try {
      await slack.start();
    } catch (error) {
      throw describeSlackProblem(error, 'connection', config);
    }
  }

  async function run(): Promise<void> {
    let delay = firstDelay;
    while (!stopping) {
      try {
        await attempt();
      } catch (problem) {
        const { reason, advice, needsOperator } = problem as ReturnType<typeof describeSlackProblem>;
        current = { status: 'degraded', reason };
        if (advice !== lastAdvice) {
          (needsOperator ? logger.error.bind(logger) : logger.warn.bind(logger))({ retryInMs: delay }, advice);
          lastAdvice = advice;
        } else {
          logger.debug({ retryInMs: delay, reason }, 'Slack still unavailable; retrying');
        }
        await pause(delay);
        delay = Math.min(delay * 2, maxDelay);
        continue;
      }
      started = true;
      if (stopping) return;
      if (lastAdvice !== undefined) logger.info('Slack is reachable again; the Slack side is back');
      options.onConnected?.();
      lastAdvice = undefined;
      delay = firstDelay;
      current = { status: 'ok' };
      await Promise.race([slack.disconnected(), new Promise<void>((resolve) => (wake = resolve))]);
      if (stopping) return;
      started = false;
      current = { status: 'degraded', reason: 'the Socket Mode connection was lost; reconnecting' };
      logger.warn('the Socket Mode connection to Slack was lost; reconnecting');
    }
  }

  const running = run().catch((error: unknown) => {
    // Nothing above should throw; if it does, Slack stays down but enforcement is untouched.
    current = { status: 'degraded', reason: 'the Slack side stopped after an unexpected error' };
    logger.error({ err: error }, 'the Slack side stopped after an unexpected error; /authz keeps serving');
  });

  return {
    status: () => current,
    async stop() {
      stopping = true;
      wake?.();
      // An attempt in flight (a slow Slack) is not waited for past the bound: shutdown must not hang on Slack.
      await bounded(running);
      if (started)
        await bounded(slack.stop()).catch((error: unknown) =>
          logger.warn({ err: error }, 'stopping the Slack side failed'),
        );
    },
  };
}
