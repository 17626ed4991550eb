import { createHmac } from 'node:crypto';
import type { SlackConfig } from '../../src/config.ts';
import type { RetryOptions } from '@slack/web-api';
import type { Logger } from '../../src/logger.ts';
import type { Metrics } from '../../src/observability/metrics.ts';
import { createSlackApp, type SlackApp, SLACK_EVENTS_PATH } from '../../src/slack/app.ts';
import type { Runtime } from '../../src/compose.ts';
import { recordSlackTraffic, type TrafficRecorder } from './slack-traffic.ts';

export const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5'.replace(/[yz]/g, 'e');
export const TEAM = { id: 'T0TEST', domain: 'harvest-test' };

export interface HttpResult {
  status: number;
  text: string;
  json(): Record<string, unknown>;
}

let sequence = 0;

/**
 * The real Bolt app on its HTTP receiver (port 0), driven by signed requests exactly as Slack sends them, with the
 * Web API intercepted by nock. Every answer the app gives is recorded with the Web API traffic.
 */
export async function startSlackHarness(
  runtime: Runtime,
  options: { logger: Logger; command?: string; metrics?: Metrics; retryConfig?: RetryOptions },
) {
  const recorder: TrafficRecorder = recordSlackTraffic();
  const config: SlackConfig = {
    mode: 'http',
    botToken: 'xoxb-test-token',
    signingSecret: SIGNING_SECRET,
    port: 0,
    apiUrl: undefined,
    command: options.command ?? '/harvest-keys',
    teamId: TEAM.id,
  };
  const slack: SlackApp = createSlackApp({
    config,
    services: runtime.slack,
    logger: options.logger,
    botIdentity: { botId: 'B0TEST', botUserId: 'U0BOTUSER' },
    retryConfig: options.retryConfig ?? { retries: 0 },
    metrics: options.metrics,
  });
  await slack.start(0);
  const url = `http://127.0.0.1:${slack.port()}${SLACK_EVENTS_PATH}`;

  async function post(
    body: string,
    contentType: string,
    headers: { timestamp?: number; signature?: string; retryNum?: number } = {},
    name = 'request',
  ): Promise<HttpResult> {
    const timestamp = headers.timestamp ?? Math.floor(Date.now() / 1000);
    const signature =
      headers.signature ?? `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signature,
        ...(headers.retryNum === undefined
          ? {}
          : { 'x-slack-retry-num': String(headers.retryNum), 'x-slack-retry-reason': 'http_timeout' }),
      },
      body,
    });
    const text = await response.text();
    recorder.recordAck(name, text);
    return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
  }

  return {
    url,
    recorder,
    config,
    post,
    command(userId: string, text: string, extra: { signature?: string; timestamp?: number } = {}) {
      sequence += 1;
      const form = new URLSearchParams({
        token: 'legacy-verification-token',
        team_id: TEAM.id,
        team_domain: TEAM.domain,
        channel_id: 'C0GENERAL',
        channel_name: 'general',
        user_id: userId,
        user_name: userId.toLowerCase(),
        command: config.command,
        text,
        api_app_id: 'A0TEST',
        is_enterprise_install: 'false',
        response_url: `https://hooks.slack.com/commands/${TEAM.id}/${sequence}/responseurl${sequence}`,
        trigger_id: `${sequence}.trigger`,
      });
      return post(form.toString(), 'application/x-www-form-urlencoded', extra, 'command');
    },
    interaction(payload: Record<string, unknown>, extra: { signature?: string; timestamp?: number } = {}) {
      const form = new URLSearchParams({ payload: JSON.stringify(payload) });
      return post(form.toString(), 'application/x-www-form-urlencoded', extra, String(payload.type));
    },
    event(event: Record<string, unknown>, extra: { eventId?: string; retryNum?: number } = {}) {
      sequence += 1;
      const body = JSON.stringify({
        token: 'legacy-verification-token',
        team_id: TEAM.id,
        api_app_id: 'A0TEST',
        event,
        type: 'event_callback',
        event_id: extra.eventId ?? `Ev${sequence}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [{ team_id: TEAM.id, user_id: 'U0BOTUSER', is_bot: true }],
      });
      return post(body, 'application/json', { retryNum: extra.retryNum }, 'event');
    },
    /** One alert sweep, as main runs every minute. */
    runAlertSweeps: () => slack.runAlertSweeps(),
    async close() {
      await slack.stop();
      recorder.stop();
    },
  };
}

export type SlackHarness = Awaited<ReturnType<typeof startSlackHarness>>;

/**
 * Slack shows an error on any element whose action is not acknowledged (Bolt answers 404 after 3 s). Clicks each
 * action the app drew, as someone without a role, and expects every one acknowledged.
 */
export async function unacknowledgedActions(slack: SlackHarness): Promise<string[]> {
  const { blockActions, dispatchingActionIds } = await import('./slack-payloads.ts');
  const missing: string[] = [];
  for (const [actionId, type] of dispatchingActionIds(slack.recorder.traffic)) {
    const answer = await slack.interaction(
      blockActions(
        'U0NOBODYPROBE',
        {
          type,
          action_id: actionId,
          block_id: 'probe',
          value: 'probe',
          selected_option: { text: { type: 'plain_text', text: 'p' }, value: 'probe' },
        },
        {
          view: { type: 'modal', id: 'V0PROBE', blocks: [] },
        },
      ),
    );
    if (answer.status !== 200) missing.push(`${actionId} (${answer.status})`);
  }
  return missing;
}
