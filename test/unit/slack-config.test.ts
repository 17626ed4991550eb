import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { isAppError } from '../../src/shared/errors.ts';
import { createSlackApp } from '../../src/slack/app.ts';
import { boltLogger } from '../../src/slack/bolt-logger.ts';
import type { SlackServices } from '../../src/slack/deps.ts';

const SECRET = '0123456789abcdef0123456789abcdef';

function configError(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (isAppError(error, 'CONFIG_INVALID')) return [...error.details];
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('Slack settings', () => {
  it('leave Slack off when nothing is set', () => {
    expect(loadConfig({}).slack).toBeUndefined();
  });

  it('choose HTTP mode with a bot token and signing secret, on PORT (default 3000) with /harvest-keys', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2', SLACK_SIGNING_SECRET: SECRET }).slack).toEqual({
      mode: 'http',
      botToken: 'xoxb-1-2',
      signingSecret: SECRET,
      port: 3000,
      // Embedded database (no DATABASE_URL): a developer machine, so loopback only.
      host: '127.0.0.1',
      apiUrl: undefined,
      command: '/harvest-keys',
    });
  });

  it('choose Socket Mode with an app token, and take SLACK_API_URL and SLACK_COMMAND', () => {
    const slack = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1-A',
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
      SLACK_COMMAND: '/keys',
    }).slack;
    expect(slack).toMatchObject({
      mode: 'socket',
      appToken: 'xapp-1-A',
      apiUrl: 'http://127.0.0.1:9999/api/',
      command: '/keys',
    });
  });

  it('name what is missing when Slack is half configured, and reject malformed values', () => {
    expect(configError({ SLACK_BOT_TOKEN: 'xoxb-1' }).join('\n')).toContain('SLACK_SIGNING_SECRET is missing');
    expect(configError({ SLACK_SIGNING_SECRET: SECRET }).join('\n')).toContain('SLACK_BOT_TOKEN is missing');
    const bad = configError({
      SLACK_BOT_TOKEN: 'xoxp-user',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_COMMAND: 'harvest',
      PORT: 'http',
    }).join('\n');
    expect(bad).toContain('SLACK_BOT_TOKEN is invalid');
    expect(bad).toContain('SLACK_COMMAND is invalid');
    expect(bad).toContain('PORT is invalid');
  });
});

describe('the Bolt logger', () => {
  it('writes Bolt’s lines as JSON through pino and drops ack bodies, which can hold the show-once view', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = boltLogger(createLogger('trace', stream));
    const secret = `hk_${'Z'.repeat(38)}`;
    logger.debug(`ack() call begins (body: {"response_action":"update","view":{"blocks":["${secret}"]}})`);
    logger.debug("apiCall('views.open') start");
    logger.warn('http request failed', new Error('boom'));
    const text = lines.join('');
    expect(text).not.toContain(secret);
    expect(text).toContain("apiCall('views.open') start");
    expect(text).toContain('"component":"slack"');
    expect(text).toContain('http request failed boom');
  });
});

describe('the Slack app in Socket Mode', () => {
  it('is built from an app token without a signing secret or an HTTP port (connecting happens at start)', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-A' }).slack!;
    // Construction only wraps the app's client in the delivery service; nothing else is used before a request.
    const slack = createSlackApp({
      config,
      services: { createDelivery: () => ({}) } as unknown as SlackServices,
      logger: createLogger('silent'),
      botIdentity: { botId: 'B1', botUserId: 'U1' },
    });
    expect(slack.app).toBeDefined();
    expect(slack.port()).toBeUndefined();
  });
});
