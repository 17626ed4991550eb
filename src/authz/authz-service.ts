import type { AuthzRequest, AuthzResponse } from './authz-exchange.ts';
import type { Catalog } from '../catalog/types.ts';
import type { SecretFormat } from '../keys/secret-format.ts';
import type { Logger } from '../logger.ts';
import { createAuthzHandler } from './authz-handler.ts';
import type { ClientIpSource } from './client-address.ts';
import { createDecider, type Decider } from './decide.ts';
import { createIndexSync, type IndexSync } from './index-sync.ts';
import type { AuthzObserver, KeyChangeFeed, KeyIndexSource, UsageSink } from './ports.ts';
import { createUsageRecorder, type UsageRecorder } from './usage-recorder.ts';
import type { AccessTokens } from './access-token.ts';
import { createOAuthServer, type OAuthEvents, type OAuthServer } from './oauth-server.ts';
import { RecentRevocations } from './recent-revocations.ts';

export interface AuthzServiceDeps {
  catalog: Catalog;
  secretFormat: SecretFormat;
  /** A `SecretDigest`: its `latin1` form is the fast index key (a bare function works, slower). */
  digest: ((secret: string) => Buffer) & { readonly latin1?: (secret: string) => string };
  source: KeyIndexSource;
  feed: KeyChangeFeed;
  usageSink: UsageSink;
  logger: Logger;
  maxStalenessMs: number;
  usageFlushMs: number;
  realm: string;
  /** Metrics (src/observability); none in tests that do not look at them. */
  observer?: AuthzObserver | undefined;
  /** Where the client address is read for keys with allowed networks (default: the last X-Forwarded-For entry). */
  clientIp?: ClientIpSource | undefined;
  /** Harvest v3 clients: /oauth/* and Bearer access tokens at /authz. Absent: keys only. */
  oauth?:
    | {
        tokens: AccessTokens;
        tokenTtlSeconds: number;
        issuer?: string | undefined;
        events: OAuthEvents;
      }
    | undefined;
}

export interface AuthzService {
  handle(req: AuthzRequest, res: AuthzResponse, requestId?: string): void;
  sync: IndexSync;
  decider: Decider;
  usage: UsageRecorder;
  /** The OAuth endpoints (token, introspection, revocation, metadata), when clients are served. */
  oauth: OAuthServer | undefined;
  readiness: { name: string; check(): Promise<{ ok: boolean; detail?: string }> };
  start(): void;
  stop(): Promise<void>;
}

/** Enforcement for one instance: the index kept current from the database, the decision, and usage recording. */
export function createAuthzService(deps: AuthzServiceDeps): AuthzService {
  const sync = createIndexSync({
    source: deps.source,
    feed: deps.feed,
    maxStalenessMs: deps.maxStalenessMs,
    logger: deps.logger,
    observer: deps.observer,
  });
  const decider = createDecider(deps);
  const usage = createUsageRecorder(deps.usageSink);
  const revokedHere = new RecentRevocations();
  const oauth =
    deps.oauth === undefined
      ? undefined
      : createOAuthServer({
          sync,
          catalog: deps.catalog,
          secretFormat: deps.secretFormat,
          digest: deps.digest,
          tokens: deps.oauth.tokens,
          tokenTtlSeconds: deps.oauth.tokenTtlSeconds,
          issuer: deps.oauth.issuer,
          events: deps.oauth.events,
          revokedHere,
          logger: deps.logger,
          clientIp: deps.clientIp,
        });
  const handle = createAuthzHandler({
    sync,
    decider,
    usage,
    realm: deps.realm,
    observer: deps.observer,
    logger: deps.logger,
    clientIp: deps.clientIp,
    oauth: deps.oauth === undefined ? undefined : { catalog: deps.catalog, tokens: deps.oauth.tokens, revokedHere },
  });
  return {
    handle,
    sync,
    decider,
    usage,
    oauth,
    readiness: {
      name: 'authz',
      async check() {
        const status = sync.status(Date.now());
        if (status.freshness === 'loading') return { ok: false, detail: 'key index not loaded yet' };
        if (status.freshness === 'stale') {
          const behind = `key index not proven current for ${Math.round((status.staleForMs ?? 0) / 1000)} s (AUTHZ_MAX_STALENESS ${deps.maxStalenessMs / 1000} s)`;
          return { ok: false, detail: `${behind}: ${status.reason ?? 'unknown cause'}; /authz answers 503` };
        }
        return { ok: true, detail: `${status.keys} keys` };
      },
    },
    start() {
      sync.start();
      usage.start(deps.usageFlushMs, (error) =>
        deps.logger.warn({ err: error }, 'usage flush failed; kept for the next one'),
      );
    },
    async stop() {
      await sync.stop();
      try {
        await usage.stop();
      } catch (error) {
        deps.logger.warn({ err: error }, 'final usage flush failed; recent usage counts are lost');
      }
    },
  };
}
