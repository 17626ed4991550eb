import type { Catalog } from '../catalog/types.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import type { EditKeyInput, EditResult, KeyService } from './key-service.ts';
import type { ApiKey } from './types.ts';
import type { EndpointUsage, EndpointUsageReader } from './usage-report.ts';

const DAY_MS = 86_400_000;

/** `trim` judges grants on the last 30 days, `migrate-legacy` legacy endpoints on the last 90 (issue 16). */
export const TRIM_DAYS = 30;
export const LEGACY_MIGRATION_DAYS = 90;
export const MAX_WINDOW_DAYS = 3650;

/** The days a report covers: today (UTC) and the `days - 1` before it. */
export interface UsageWindow {
  days: number;
  /** The first UTC day counted (YYYY-MM-DD). */
  since: string;
  /**
   * The key was created after the window began: a grant it has not used yet may simply not have been needed yet, so
   * "unused" says little.
   */
  keyYounger: boolean;
}

export interface KeyUsageReport {
  key: ApiKey;
  window: UsageWindow;
  /** Busiest first (allowed + denied), then by endpoint id. */
  endpoints: EndpointUsage[];
  allowed: number;
  denied: number;
}

export interface TrimPlan {
  key: ApiKey;
  window: UsageWindow;
  /** Explicit grants with no allowed request in the window, sorted: what trim removes. */
  unused: string[];
  /** Grants that stay. */
  kept: string[];
}

export interface LegacyMigrationPlan {
  key: ApiKey;
  window: UsageWindow;
  /** Legacy endpoints the key called (allowed) in the window and holds no explicit grant for: they become grants. */
  called: string[];
  /** Legacy endpoints it did not call (and holds no grant for): it loses them. */
  uncalled: string[];
  /** The key's permissions afterwards: its explicit grants plus `called`. */
  permissions: string[];
}

export interface KeyOverview {
  usage: KeyUsageReport;
  trim: TrimPlan;
  /** Only for a legacy key. */
  legacy: LegacyMigrationPlan | undefined;
}

/** The edit a trim plan makes: its unused grants removed, against the version the plan read. */
export function trimEdit(plan: TrimPlan, actor: string): EditKeyInput {
  return { actor, expectedVersion: plan.key.version, remove: plan.unused, basedOnUsage: { days: plan.window.days } };
}

/** The edit a legacy migration makes: the called endpoints granted and the implicit access ended, in one change. */
export function legacyEdit(plan: LegacyMigrationPlan, actor: string): EditKeyInput {
  return {
    actor,
    expectedVersion: plan.key.version,
    add: plan.called,
    endLegacy: true,
    basedOnUsage: { days: plan.window.days },
  };
}

export type InsightsService = ReturnType<typeof createInsightsService>;

/**
 * Least privilege from observed use (issue 16): what a key called, which of its grants it never used, and which of a
 * legacy key's implicit endpoints it relies on. The changes themselves are ordinary permission edits of the key
 * service (one audited change, approval where policy holds it on the surfaces that apply it).
 */
export function createInsightsService(deps: {
  keys: Pick<KeyService, 'get' | 'edit' | 'legacyRule'>;
  catalog: Catalog;
  usage: EndpointUsageReader;
  now?: Clock;
}) {
  const now = deps.now ?? (() => new Date());

  function windowOf(key: ApiKey, days: number): UsageWindow {
    if (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) {
      throw new AppError('WINDOW_INVALID', `The window must be a whole number of days from 1 to ${MAX_WINDOW_DAYS}`, {
        field: 'days',
        facts: { max: MAX_WINDOW_DAYS },
      });
    }
    const today = Math.floor(now().getTime() / DAY_MS);
    const start = (today - days + 1) * DAY_MS;
    return {
      days,
      since: new Date(start).toISOString().slice(0, 10),
      keyYounger: key.createdAt.getTime() > start,
    };
  }

  async function readFor(key: ApiKey, days: number) {
    const window = windowOf(key, days);
    const endpoints = await deps.usage.byEndpoint(key.id, window.since);
    return { key, window, endpoints };
  }

  async function read(keyId: string, days: number) {
    return readFor(await deps.keys.get(keyId), days);
  }

  function calledIds(endpoints: readonly EndpointUsage[]): Set<string> {
    return new Set(endpoints.filter((e) => e.allowed > 0).map((e) => e.endpointId));
  }

  function trimOf({ key, window, endpoints }: Awaited<ReturnType<typeof readFor>>): TrimPlan {
    const called = calledIds(endpoints);
    return {
      key,
      window,
      unused: key.permissions.filter((p) => !called.has(p)),
      kept: key.permissions.filter((p) => called.has(p)),
    };
  }

  function legacyOf({ key, window, endpoints }: Awaited<ReturnType<typeof readFor>>): LegacyMigrationPlan {
    if (!key.legacy) {
      throw new AppError(
        'KEY_NOT_LEGACY',
        `Key ${key.id} is not a legacy key: it may call only its explicit grants already`,
        { facts: { keyId: key.id } },
      );
    }
    const called = calledIds(endpoints);
    const explicit = new Set(key.permissions);
    const legacy = deps.keys
      .legacyRule()
      .endpoints.map((e) => e.id)
      .filter((id) => !explicit.has(id));
    const taken = legacy.filter((id) => called.has(id));
    return {
      key,
      window,
      called: taken,
      uncalled: legacy.filter((id) => !called.has(id)),
      permissions: [...new Set([...key.permissions, ...taken])].sort(),
    };
  }

  function reportOf({ key, window, endpoints }: Awaited<ReturnType<typeof readFor>>): KeyUsageReport {
    const sorted = [...endpoints].sort(
      (a, b) => b.allowed + b.denied - (a.allowed + a.denied) || a.endpointId.localeCompare(b.endpointId),
    );
    return {
      key,
      window,
      endpoints: sorted,
      allowed: sorted.reduce((n, e) => n + e.allowed, 0),
      denied: sorted.reduce((n, e) => n + e.denied, 0),
    };
  }

  const trimPlan = async (keyId: string, days: number = TRIM_DAYS): Promise<TrimPlan> =>
    trimOf(await read(keyId, days));
  const legacyPlan = async (keyId: string, days: number = LEGACY_MIGRATION_DAYS): Promise<LegacyMigrationPlan> =>
    legacyOf(await read(keyId, days));

  return {
    trimPlan,
    legacyPlan,

    /** Allowed and denied requests per endpoint over the last `days` days. */
    async usage(keyId: string, days: number): Promise<KeyUsageReport> {
      return reportOf(await read(keyId, days));
    },

    /**
     * What a key view shows beside the key: its use over the trim window, the trim plan, and for a legacy key the
     * migration plan (one query per window).
     */
    async overview(key: ApiKey): Promise<KeyOverview> {
      const recent = await readFor(key, TRIM_DAYS);
      return {
        usage: reportOf(recent),
        trim: trimOf(recent),
        legacy: key.legacy ? legacyOf(await readFor(key, LEGACY_MIGRATION_DAYS)) : undefined,
      };
    },

    /** Removes the grants unused in the window, in one audited edit; `result` is absent when none was unused. */
    async trim(
      keyId: string,
      input: { actor: string; days?: number | undefined },
    ): Promise<{ plan: TrimPlan; result: EditResult | undefined }> {
      const plan = await trimPlan(keyId, input.days);
      if (plan.unused.length === 0) return { plan, result: undefined };
      return { plan, result: await deps.keys.edit(keyId, trimEdit(plan, input.actor)) };
    },

    /** Grants exactly the legacy endpoints called in the window and ends the implicit access, in one audited edit. */
    async migrateLegacy(
      keyId: string,
      input: { actor: string; days?: number | undefined },
    ): Promise<{ plan: LegacyMigrationPlan; result: EditResult }> {
      const plan = await legacyPlan(keyId, input.days);
      return { plan, result: await deps.keys.edit(keyId, legacyEdit(plan, input.actor)) };
    },
  };
}
