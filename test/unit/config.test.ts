import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { isAppError } from '../../src/shared/errors.ts';

function configError(env: Record<string, string>): Error {
  try {
    loadConfig(env);
  } catch (error) {
    expect(isAppError(error, 'CONFIG_INVALID')).toBe(true);
    return error as Error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('starts with no settings at all: embedded database, port 3001, Harvest catalog', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'embedded', port: 54329 });
    expect(config.authz.port).toBe(3001);
    expect(config.keyPrefix).toBe('hk');
    expect(config.legacyCutoff.toISOString()).toBe('2017-01-18T00:00:00.000Z');
  });

  it('reads the client address from the last X-Forwarded-For entry unless CLIENT_IP_HEADER/TRUSTED_PROXY_HOPS say', () => {
    expect(loadConfig({}).authz.clientIp).toEqual({ header: 'x-forwarded-for', hops: 1 });
    expect(loadConfig({ CLIENT_IP_HEADER: ' X-Client-Chain ', TRUSTED_PROXY_HOPS: '2' }).authz.clientIp).toEqual({
      header: 'x-client-chain',
      hops: 2,
    });
    expect(configError({ CLIENT_IP_HEADER: 'Forwarded' }).message).toContain('Forwarded (RFC 7239) is not read');
    expect(configError({ CLIENT_IP_HEADER: 'x forwarded' }).message).toContain('an HTTP header name');
    expect(configError({ TRUSTED_PROXY_HOPS: '0' }).message).toContain('at least 1');
  });

  it('answers /authz on the fast lane unless AUTHZ_FAST_LANE=off', () => {
    expect(loadConfig({}).authz.fastLane).toBe(true);
    expect(loadConfig({ AUTHZ_FAST_LANE: 'off' }).authz.fastLane).toBe(false);
    expect(configError({ AUTHZ_FAST_LANE: 'no' }).message).toContain('AUTHZ_FAST_LANE');
  });

  it('gives Harvest v3 access tokens an hour by default, at most an hour, and an issuer only when OAUTH_ISSUER is set', () => {
    expect(loadConfig({}).authz.oauth).toEqual({ tokenTtlSeconds: 3600, issuer: undefined });
    expect(loadConfig({ OAUTH_TOKEN_TTL: '900', OAUTH_ISSUER: 'https://api.example.com/' }).authz.oauth).toEqual({
      tokenTtlSeconds: 900,
      issuer: 'https://api.example.com',
    });
    expect(configError({ OAUTH_TOKEN_TTL: '7200' }).message).toContain('OAUTH_TOKEN_TTL is invalid');
    expect(configError({ OAUTH_TOKEN_TTL: '7200' }).message).toContain('at most 3600 seconds');
    expect(configError({ OAUTH_TOKEN_TTL: '10' }).message).toContain('at least 60 seconds');
    expect(configError({ OAUTH_ISSUER: 'ftp://x' }).message).toContain('OAUTH_ISSUER is invalid');
    expect(configError({ OAUTH_ISSUER: 'https://x.example/?a=1' }).message).toContain('no query or fragment');
  });

  it('requires KEY_PEPPER once DATABASE_URL is set', () => {
    expect(configError({ DATABASE_URL: 'postgres://h/db' }).message).toMatch(
      /KEY_PEPPER is missing: expected at least 32 random characters, required when DATABASE_URL is set/,
    );
  });

  it('names every bad variable and the shape it should have, in one message', () => {
    const error = configError({
      DATABASE_URL: 'mysql://nope',
      KEY_PEPPER: 'short',
      AUTHZ_PORT: 'eighty',
      KEY_PREFIX: 'Bad_Prefix',
      LEGACY_CUTOFF: '18/01/2017',
      ADMIN_SLACK_USER_IDS: 'U012ABC,alice',
    });
    for (const name of [
      'DATABASE_URL',
      'KEY_PEPPER',
      'AUTHZ_PORT',
      'KEY_PREFIX',
      'LEGACY_CUTOFF',
      'ADMIN_SLACK_USER_IDS',
    ]) {
      expect(error.message).toContain(`${name} is invalid`);
    }
    expect(error.message).toContain('e.g. postgres://');
    expect(error.message).toContain('YYYY-MM-DD');
  });

  it("revokes keys GitHub secret scanning reports, with GitHub's published keys, unless told otherwise", () => {
    expect(loadConfig({}).secretScanning).toEqual({
      action: 'revoke',
      keysUrl: 'https://api.github.com/meta/public_keys/secret_scanning',
    });
    expect(
      loadConfig({ SECRET_SCANNING_ACTION: ' Alert ', SECRET_SCANNING_KEYS_URL: 'http://127.0.0.1:8080/keys' })
        .secretScanning,
    ).toEqual({ action: 'alert', keysUrl: 'http://127.0.0.1:8080/keys' });
    expect(loadConfig({ SECRET_SCANNING_ACTION: ' ' }).secretScanning.action).toBe('revoke');
    expect(configError({ SECRET_SCANNING_ACTION: 'delete' }).message).toContain(
      'SECRET_SCANNING_ACTION is invalid: expected revoke (a reported key is revoked at once, then announced) or alert',
    );
    expect(configError({ SECRET_SCANNING_KEYS_URL: 'ftp://github.com/keys' }).message).toContain(
      'SECRET_SCANNING_KEYS_URL is invalid: expected an http(s) URL',
    );
  });

  it('alerts on 20 denials after a permission removal and lists keys unused for 90 days unless told otherwise', () => {
    expect(loadConfig({}).alerts).toMatchObject({ deniedBurst: 20, unusedKeyDays: 90 });
    expect(loadConfig({ ALERT_DENIED_BURST: '5', UNUSED_KEY_DAYS: '30' }).alerts).toMatchObject({
      deniedBurst: 5,
      unusedKeyDays: 30,
    });
    expect(configError({ ALERT_DENIED_BURST: '0' }).message).toContain(
      'ALERT_DENIED_BURST is invalid: expected at least 1 denied request',
    );
    expect(configError({ UNUSED_KEY_DAYS: 'ninety' }).message).toContain(
      'UNUSED_KEY_DAYS is invalid: expected a number of days, e.g. 90',
    );
  });

  it('parses admin ids and treats blank optional values as unset', () => {
    const config = loadConfig({ ADMIN_SLACK_USER_IDS: ' U012ABCDEF , W0ABCDEF ', CATALOG_FILE: ' ', DATABASE_URL: '' });
    expect(config.adminSlackUserIds).toEqual(['U012ABCDEF', 'W0ABCDEF']);
    expect(config.catalogFile).toBeUndefined();
    expect(config.database.kind).toBe('embedded');
  });
});

describe('listener exposure', () => {
  const slack = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: '0123456789abcdef0123' };
  const external = { DATABASE_URL: 'postgres://h/db', KEY_PEPPER: 'p'.repeat(40) };
  const slackHost = (config: ReturnType<typeof loadConfig>) =>
    config.slack?.mode === 'http' ? config.slack.host : 'not http mode';

  it('binds every listener to loopback with the embedded database (a developer machine)', () => {
    const config = loadConfig({ ...slack });
    expect(config.authz.host).toBe('127.0.0.1');
    expect(slackHost(config)).toBe('127.0.0.1');
    expect(config.metrics).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' }).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
  });

  it('keeps all interfaces with DATABASE_URL (production) unless a host is set', () => {
    const config = loadConfig({ ...slack, ...external, METRICS_PORT: '9464' });
    expect(config.authz.host).toBe('0.0.0.0');
    // Node's own default: every interface, IPv6 included.
    expect(slackHost(config)).toBeUndefined();
    expect(config.metrics).toEqual({ host: '0.0.0.0', port: 9464 });
  });

  it('takes AUTHZ_HOST, HOST and METRICS_HOST as given, in either mode', () => {
    for (const database of [{}, external]) {
      const config = loadConfig({
        ...slack,
        ...database,
        AUTHZ_HOST: '10.0.0.5',
        HOST: '::',
        METRICS_PORT: '9464',
        METRICS_HOST: 'localhost',
      });
      expect(config.authz.host).toBe('10.0.0.5');
      expect(slackHost(config)).toBe('::');
      expect(config.metrics).toEqual({ host: 'localhost', port: 9464 });
    }
  });

  it('refuses a host that is not an address or a host name, and a metrics port shared with another listener', () => {
    const error = configError({
      AUTHZ_HOST: 'http://0.0.0.0',
      HOST: 'two words',
      METRICS_HOST: '*',
      METRICS_PORT: 'ninety',
    });
    for (const name of ['AUTHZ_HOST', 'HOST', 'METRICS_HOST', 'METRICS_PORT'])
      expect(error.message).toContain(`${name} is invalid`);
    expect(error.message).toContain('an IP address or host name');
    expect(configError({ METRICS_PORT: '3001' }).message).toMatch(
      /METRICS_PORT is invalid: expected a port other than AUTHZ_PORT \(3001\)/,
    );
    expect(configError({ ...slack, METRICS_PORT: '3000' }).message).toMatch(
      /METRICS_PORT is invalid: expected a port other than PORT \(3000\)/,
    );
    expect(configError({ METRICS_HOST: '127.0.0.1' }).message).toMatch(/METRICS_HOST is set but METRICS_PORT is not/);
  });

  it('reads EXPIRY_REMINDER_DAYS as whole days, farthest first (default 7,1; none turns reminders off)', () => {
    expect(loadConfig({}).alerts.expiryReminderDays).toEqual([7, 1]);
    expect(loadConfig({ EXPIRY_REMINDER_DAYS: ' 1, 14 ,7,7' }).alerts.expiryReminderDays).toEqual([14, 7, 1]);
    expect(loadConfig({ EXPIRY_REMINDER_DAYS: 'none' }).alerts.expiryReminderDays).toEqual([]);
    expect(configError({ EXPIRY_REMINDER_DAYS: '7d,1d' }).message).toContain(
      'EXPIRY_REMINDER_DAYS is invalid: expected comma-separated whole numbers of days before a key ends, e.g. 7,1 (or none)',
    );
    expect(configError({ EXPIRY_REMINDER_DAYS: '7,0' }).message).toContain('expected days of at least 1');
    expect(configError({ EXPIRY_REMINDER_DAYS: '7,,1' }).message).toContain('EXPIRY_REMINDER_DAYS is invalid');
  });
});

describe('webhook configuration', () => {
  const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

  it('is off without WEBHOOK_URL and WEBHOOK_SECRET, and on with both', () => {
    expect(loadConfig({}).webhooks).toBeUndefined();
    expect(loadConfig({ WEBHOOK_URL: ' https://siem.example.com/hooks ', WEBHOOK_SECRET: secret }).webhooks).toEqual({
      url: 'https://siem.example.com/hooks',
      secret,
    });
  });

  it('wants both or neither', () => {
    expect(configError({ WEBHOOK_URL: 'https://siem.example.com/hooks' }).message).toContain(
      'WEBHOOK_SECRET is missing: expected the whsec_… signing secret with WEBHOOK_URL (both or neither)',
    );
    expect(configError({ WEBHOOK_SECRET: secret }).message).toContain(
      'WEBHOOK_URL is missing: expected the receiver URL with WEBHOOK_SECRET (both or neither)',
    );
  });

  it('refuses a secret that is not whsec_ and the base64 of 24–64 bytes, without echoing it', () => {
    for (const bad of [
      Buffer.alloc(32, 7).toString('base64'),
      'whsec_not base64!',
      `whsec_${Buffer.alloc(16, 7).toString('base64')}`,
      `whsec_${Buffer.alloc(65, 7).toString('base64')}`,
    ]) {
      const message = configError({ WEBHOOK_URL: 'https://siem.example.com/hooks', WEBHOOK_SECRET: bad }).message;
      expect(message).toContain('WEBHOOK_SECRET is invalid: expected whsec_ followed by the base64 of 24 to 64');
      expect(message).not.toContain(bad);
    }
    expect(configError({ WEBHOOK_URL: 'ftp://siem.example.com/', WEBHOOK_SECRET: secret }).message).toContain(
      'WEBHOOK_URL is invalid: expected an http(s) URL',
    );
    const withPassword = configError({ WEBHOOK_URL: 'https://siem:hunter2@siem.example.com/', WEBHOOK_SECRET: secret });
    expect(withPassword.message).toContain('WEBHOOK_URL is invalid: expected a URL without user:password@');
    expect(withPassword.message).not.toContain('hunter2');
  });
});
