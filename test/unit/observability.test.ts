import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_ID_LENGTH, requestIdOf } from '../../src/shared/request-id.ts';
import { createMetrics, renderMetrics } from '../../src/observability/metrics.ts';
import { describeSlackRequest } from '../../src/observability/slack.ts';
import { isDatabaseUnreachable } from '../../src/slack/unhandled-failure.ts';
import { captureLogs } from '../helpers/log-capture.ts';

const request = (id?: string) =>
  ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as unknown as IncomingMessage;

describe('request ids', () => {
  it('keeps a sane caller id and replaces a missing, oversized or unsafe one with a UUID', () => {
    expect(requestIdOf(request('gw-7f3a:12.4'))).toBe('gw-7f3a:12.4');
    expect(requestIdOf(request('a'.repeat(MAX_REQUEST_ID_LENGTH)))).toHaveLength(MAX_REQUEST_ID_LENGTH);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const bad of [
      undefined,
      '',
      'a'.repeat(MAX_REQUEST_ID_LENGTH + 1),
      'x"}\n{"level":60',
      'id with spaces',
      'a, b',
    ]) {
      expect(requestIdOf(request(bad))).toMatch(uuid);
    }
  });
});

describe('log redaction', () => {
  it('censors secrets in fields, headers and messages: tokens, Authorization, X-Api-Key, pepper, passphrase, private keys', () => {
    const logs = captureLogs('info');
    const secrets = {
      bot: 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp',
      app: 'xapp-1-A0123-456789-abcdef0123456789',
      apiKey: 'hk_0123456789abcdefghijklmnopqrstuvwxyzAB',
      pepper: 'pepper-value-that-must-not-leak-0123456789',
      passphrase: 'correct horse battery staple',
      pgp: '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGZ0secretmaterial\n-----END PGP PRIVATE KEY BLOCK-----',
    };
    logs.logger.info(
      {
        req: {
          headers: {
            authorization: `Basic ${Buffer.from(`${secrets.apiKey}:`).toString('base64')}`,
            'x-api-key': secrets.apiKey,
          },
        },
      },
      'request',
    );
    logs.logger.info(
      { headers: { authorization: `Bearer ${secrets.apiKey}`, 'x-api-key': secrets.apiKey } },
      'headers',
    );
    logs.logger.info(
      {
        config: {
          keyPepper: secrets.pepper,
          slack: { botToken: secrets.bot, appToken: secrets.app },
          servicePgp: { passphrase: secrets.passphrase, privateKey: secrets.pgp },
        },
      },
      'config',
    );
    logs.logger.info({ pepper: secrets.pepper, secret: secrets.apiKey, token: secrets.bot }, 'fields');
    logs.logger.warn(
      `calling Slack with ${secrets.bot} and ${secrets.app}; Authorization: Bearer ${secrets.apiKey}\n${secrets.pgp}`,
    );
    logs.logger.error(new Error(`token ${secrets.bot} refused`), 'failed');
    const text = logs.text();
    expect(logs.lines).toHaveLength(6);
    for (const value of Object.values(secrets)) expect(text).not.toContain(value);
    expect(text).not.toContain('lQOYBGZ0secretmaterial');
    expect(text).toContain('[redacted]');
  });

  it("keeps the name of Slack's Basic Information page (where tokens come from) while censoring Basic credentials", () => {
    const logs = captureLogs('info');
    const credential = Buffer.from('hk_0123456789abcdefghijklmnopqrstuvwxyzAB:').toString('base64');
    logs.logger.error(
      `see Basic Information → App-Level Tokens; got Basic ${credential} and basic InformationLeak0123`,
    );
    expect(logs.text()).toContain('Basic Information → App-Level Tokens');
    expect(logs.text()).not.toContain(credential);
    expect(logs.text()).not.toContain('InformationLeak0123');
  });
});

describe('Slack request description', () => {
  it('names the request by ids and never by what the user typed', () => {
    expect(
      describeSlackRequest({ command: '/harvest-keys', text: 'hk_secretish', user_id: 'U1', team_id: 'T1' }),
    ).toEqual({
      kind: 'command',
      id: '/harvest-keys',
      userId: 'U1',
      teamId: 'T1',
    });
    expect(
      describeSlackRequest({
        type: 'block_actions',
        actions: [{ action_id: 'key.menu', value: 'typed' }],
        user: { id: 'U2', team_id: 'T2' },
      }),
    ).toMatchObject({
      kind: 'block_actions',
      id: 'key.menu',
      userId: 'U2',
      teamId: 'T2',
    });
    expect(
      describeSlackRequest({
        type: 'view_submission',
        view: { callback_id: 'key.create', state: { values: { a: 'b' } } },
        user: { id: 'U3' },
        team: { id: 'T3' },
      }),
    ).toMatchObject({
      kind: 'view_submission',
      id: 'key.create',
      teamId: 'T3',
    });
  });

  it('recognises a lost database behind wrapped errors', () => {
    expect(isDatabaseUnreachable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnreachable({ original: { cause: { code: 'CONNECTION_CLOSED' } } })).toBe(true);
    expect(isDatabaseUnreachable(new Error('bug'))).toBe(false);
  });
});

describe('metrics', () => {
  it('renders decisions by outcome and reason, the latency histogram and process memory', async () => {
    const metrics = createMetrics();
    metrics.authzDecision('allow', '', 0.00002);
    metrics.authzDecision('deny_401', 'unknown', 0.00003);
    metrics.authzDecision('deny_401', 'unknown', 0.00003);
    metrics.onScrape(() => metrics.gauges.indexKeys.set(42));
    metrics.onScrape(() => {
      throw new Error('a broken collector does not break the scrape');
    });
    const { body, contentType } = await renderMetrics(metrics);
    expect(contentType).toContain('text/plain');
    expect(body).toContain('harvest_keys_authz_decisions_total{outcome="allow",reason=""} 1');
    expect(body).toContain('harvest_keys_authz_decisions_total{outcome="deny_401",reason="unknown"} 2');
    expect(body).toContain('harvest_keys_authz_duration_seconds_count 3');
    expect(body).toContain('harvest_keys_authz_index_keys 42');
    expect(body).toMatch(/harvest_keys_process_resident_memory_bytes \d+/);
  });
});
