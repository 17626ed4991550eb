import { z } from 'zod';
import { host, optionalString, port, portNumber } from './fields.ts';
import type { OAuthConfig } from './oauth.ts';
import type { SlackEnv } from './slack.ts';

/** Where /authz and /metrics listen, how stale /authz may run, and how it finds the client address. */
export const authzNetworkSettings = {
  AUTHZ_HOST: host,
  AUTHZ_PORT: port(3001),
  AUTHZ_MAX_STALENESS: z.coerce
    .number({ error: 'a number of seconds, e.g. 30' })
    .int('a whole number of seconds')
    .min(1, 'at least 1 second')
    .max(3600, 'at most 3600 seconds')
    .default(30),
  AUTHZ_REALM: z
    .string()
    .regex(/^[\x20-\x7e]{1,100}$/, 'printable ASCII, e.g. Harvest API')
    .refine((v) => !/["\\]/.test(v), 'no quotes or backslashes')
    .default('Harvest API'),
  AUTHZ_FAST_LANE: z.enum(['on', 'off'], { error: 'on or off' }).default('on'),
  CLIENT_IP_HEADER: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'an HTTP header name, e.g. x-forwarded-for')
    .refine((v) => v !== 'forwarded', 'Forwarded (RFC 7239) is not read: have the gateway set X-Forwarded-For')
    .default('x-forwarded-for'),
  TRUSTED_PROXY_HOPS: z.coerce
    .number({ error: 'a whole number of proxies, e.g. 1' })
    .int('a whole number of proxies')
    .min(1, 'at least 1 (the gateway that asks /authz)')
    .max(10, 'at most 10')
    .default(1),
  USAGE_FLUSH_INTERVAL: z.coerce
    .number({ error: 'a number of seconds, e.g. 10' })
    .int('a whole number of seconds')
    .min(1, 'at least 1 second')
    .max(3600, 'at most 3600 seconds')
    .default(10),
  METRICS_PORT: optionalString.pipe(portNumber().optional()),
  METRICS_HOST: host,
};

export type AuthzNetworkEnv = z.output<z.ZodObject<typeof authzNetworkSettings>>;

export interface AuthzNetworkConfig {
  authz: {
    /** Loopback with the embedded database (a developer machine), every interface with DATABASE_URL, unless set. */
    host: string;
    port: number;
    /** Past this much time without the key change channel, /authz fails closed with 503. */
    maxStalenessMs: number;
    realm: string;
    /** `/authz` answered on the fast lane (src/http/fast-lane.ts) in the plain case; off: node:http answers all. */
    fastLane: boolean;
    usageFlushMs: number;
    /**
     * Where a key with allowed networks finds the client address: the entry `hops` from the right of this
     * comma-separated header (1: the last one, which the gateway appended).
     */
    clientIp: { header: string; hops: number };
    /** Harvest v3 clients: access token lifetime (OAUTH_TOKEN_TTL) and the issuer URL (OAUTH_ISSUER; unset: the request's). */
    oauth: OAuthConfig;
  };
  /** Set: `/metrics` is served here only (not on AUTHZ_PORT), so the port gateways reach has no metrics. */
  metrics: { host: string; port: number } | undefined;
}

/** Two listeners cannot share a port; port 0 (any free port) never clashes. */
export function metricsPortProblems(
  env: AuthzNetworkEnv & Pick<SlackEnv, 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN' | 'PORT'>,
  blank: (name: string) => boolean,
): string[] {
  if (env.METRICS_PORT === undefined)
    return blank('METRICS_HOST')
      ? []
      : ['METRICS_HOST is set but METRICS_PORT is not: expected METRICS_PORT too, or neither'];
  if (env.METRICS_PORT === 0) return [];
  if (env.METRICS_PORT === env.AUTHZ_PORT)
    return [`METRICS_PORT is invalid: expected a port other than AUTHZ_PORT (${env.AUTHZ_PORT})`];
  const slackHttp = env.SLACK_BOT_TOKEN !== undefined && env.SLACK_APP_TOKEN === undefined;
  if (slackHttp && env.METRICS_PORT === env.PORT)
    return [`METRICS_PORT is invalid: expected a port other than PORT (${env.PORT})`];
  return [];
}

/** `defaultHost`: where a listener binds when its host is unset, which depends on the database mode. */
export function authzNetworkConfig(env: AuthzNetworkEnv, defaultHost: string, oauth: OAuthConfig): AuthzNetworkConfig {
  return {
    authz: {
      host: env.AUTHZ_HOST ?? defaultHost,
      port: env.AUTHZ_PORT,
      maxStalenessMs: env.AUTHZ_MAX_STALENESS * 1000,
      realm: env.AUTHZ_REALM,
      fastLane: env.AUTHZ_FAST_LANE === 'on',
      usageFlushMs: env.USAGE_FLUSH_INTERVAL * 1000,
      clientIp: { header: env.CLIENT_IP_HEADER, hops: env.TRUSTED_PROXY_HOPS },
      oauth,
    },
    metrics:
      env.METRICS_PORT === undefined ? undefined : { host: env.METRICS_HOST ?? defaultHost, port: env.METRICS_PORT },
  };
}
