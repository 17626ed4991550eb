import { type KeyStateFields, keyState } from '../keys/key-state.ts';
import { timeUntil } from '../keys/expiry.ts';
import { type LegacyRule, replacementGrants } from '../keys/legacy-rule.ts';
import type { ApiKey } from '../keys/types.ts';

export const iso = (date: Date | null | undefined): string =>
  date == null ? '-' : date.toISOString().replace('.000Z', 'Z');

export function keyStatus(key: KeyStateFields, now = new Date()): string {
  const state = keyState(key, now);
  switch (state.kind) {
    case 'active':
      return key.expiresAt === null ? 'active' : `active, expires ${timeUntil(key.expiresAt, now)}`;
    case 'stopping':
      return `active, revoking at ${iso(state.at)}`;
    case 'revoked':
      return state.graceEnded ? 'revoked (grace ended)' : 'revoked';
    case 'expired':
      return `expired ${iso(state.at)}`;
    default:
      return state satisfies never;
  }
}

/**
 * `keys show --json` and friends. Every ApiKey field is a compile error here until it is shown (or, like
 * `partnerId`, left out on purpose: `partner` names it).
 */
export function keyJson(key: ApiKey): Record<string, unknown> {
  return {
    id: key.id,
    hint: `…${key.hint}`,
    description: key.description,
    apiType: key.apiType,
    partner: key.partnerName,
    status: key.status,
    legacy: key.legacy,
    permissions: key.permissions,
    createdBy: key.createdBy,
    createdAt: key.createdAt,
    revokedBy: key.revokedBy,
    revokedAt: key.revokedAt,
    revokeReason: key.revokeReason,
    revokeAt: key.revokeAt,
    replacedBy: key.replacedBy,
    lastUsedAt: key.lastUsedAt,
    expiresAt: key.expiresAt,
    allowedNetworks: key.allowedNetworks,
    version: key.version,
    kind: key.kind,
    clientId: key.clientId,
  } satisfies Record<Exclude<keyof ApiKey, 'partnerId' | 'partnerName'>, unknown> & { partner: string | null };
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A calendar day (the legacy cutoff is a date, not a moment). */
export const day = (date: Date): string => date.toISOString().slice(0, 10);

/** The legacy rule as `show` prints it: why the key may call more than its grants, and which endpoints. */
export function legacyLines(key: ApiKey, rule: LegacyRule): string[] {
  const cutoff = day(rule.cutoff);
  return [
    `  legacy key:  created before ${cutoff}, so it may call the ${rule.endpoints.length} endpoints that existed then`,
    `               without explicit grants, plus its ${key.permissions.length} explicit grant(s) below. Endpoints added`,
    `               after ${cutoff} need explicit grants; \`replace\` turns the legacy endpoints into explicit grants.`,
    `               \`migrate-legacy ${key.id}\` grants only the ones it called and ends the implicit access.`,
    `  legacy endpoints (${rule.endpoints.length}):`,
    ...rule.endpoints.map((e) => `    ${e.label}  [${e.id}]${e.deprecated ? ' (deprecated)' : ''}`),
  ];
}

/** What the replacement was granted, and why a legacy key's replacement has more explicit grants than it had. */
export function replacementLine(old: ApiKey, rule: LegacyRule): string {
  const grants = replacementGrants(rule, old);
  if (!old.legacy) return `The new key has the same ${grants.permissions.length} permission(s).`;
  return `The new key has ${grants.permissions.length} permission(s): the ${grants.explicit} explicit grant(s) of ${old.id} plus the ${grants.fromLegacy} legacy endpoint(s) it could call as a key created before ${day(rule.cutoff)}, now as explicit grants (the new key is not a legacy key).`;
}
