import type { ApiKey } from '../keys/types.ts';

export const iso = (date: Date | null | undefined): string =>
  date == null ? '-' : date.toISOString().replace('.000Z', 'Z');

export function keyStatus(key: ApiKey, now = new Date()): string {
  if (key.status === 'revoked') return 'revoked';
  if (key.revokeAt !== null)
    return key.revokeAt <= now ? 'revoked (grace ended)' : `active, revoking at ${iso(key.revokeAt)}`;
  return 'active';
}

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
  };
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
