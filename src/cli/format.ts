import { type KeyStateFields, keyState } from '../keys/key-state.ts';
import type { ApiKey } from '../keys/types.ts';

export const iso = (date: Date | null | undefined): string =>
  date == null ? '-' : date.toISOString().replace('.000Z', 'Z');

export function keyStatus(key: KeyStateFields, now = new Date()): string {
  const state = keyState(key, now);
  switch (state.kind) {
    case 'active':
      return 'active';
    case 'stopping':
      return `active, revoking at ${iso(state.at)}`;
    case 'revoked':
      return state.graceEnded ? 'revoked (grace ended)' : 'revoked';
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
    version: key.version,
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
