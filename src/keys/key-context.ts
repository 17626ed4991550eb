import type { AuditSource } from '../audit/source.ts';
import type { Catalog } from '../catalog/types.ts';
import type { Clock } from '../shared/clock.ts';
import type { LifetimePolicy } from './expiry.ts';
import type { KeyStore } from './key-store.ts';
import { type LegacyRule, legacyRule } from './legacy-rule.ts';
import type { SecretFormat } from './secret-format.ts';

export interface KeyServiceDeps {
  store: KeyStore;
  catalog: Catalog;
  secretFormat: SecretFormat;
  digest: (secret: string) => Buffer;
  legacyCutoff: Date;
  /** KEY_MAX_LIFETIME_DAYS; absent: no maximum. */
  lifetime?: LifetimePolicy | undefined;
  now?: Clock;
}

/**
 * The surface a change comes through, for its audit row; absent: told by the actor (`defaultSource`). Set by callers
 * that act for someone else: an approved change runs as its requester but comes from `approvals`.
 */
export interface ChangeSource {
  source?: AuditSource | undefined;
}

/** The injected dependencies with their defaults applied, and the legacy rule derived from them once. */
export interface KeyContext {
  store: KeyStore;
  catalog: Catalog;
  secretFormat: SecretFormat;
  digest: (secret: string) => Buffer;
  legacyCutoff: Date;
  legacy: LegacyRule;
  lifetime: LifetimePolicy;
  now: Clock;
}

export function keyContext(deps: KeyServiceDeps): KeyContext {
  const { store, catalog, secretFormat, digest, legacyCutoff } = deps;
  const now = deps.now ?? (() => new Date());
  const legacy = legacyRule(catalog, deps.legacyCutoff);
  const lifetime: LifetimePolicy = deps.lifetime ?? { maxLifetimeDays: null };
  return { store, catalog, secretFormat, digest, legacyCutoff, legacy, lifetime, now };
}
