import type { ApiKey } from '../../keys/types.ts';
import type { KeyUsage } from '../../keys/key-usage.ts';
import type { SlackDeps } from '../deps.ts';

/**
 * Usage for people deciding whether a change will break an integration. A failing usage read must not block a
 * revoke, so it degrades to the key's own last-used time with counts marked unknown.
 */
export async function usageOf(deps: SlackDeps, key: ApiKey): Promise<KeyUsage> {
  const fallback: KeyUsage = { lastUsedAt: key.lastUsedAt, allowedLast7Days: null, deniedLast7Days: null };
  try {
    const summary = await deps.services.usage.summary(key.id);
    const lastUsedAt =
      summary.lastUsedAt === null || (key.lastUsedAt !== null && key.lastUsedAt > summary.lastUsedAt)
        ? key.lastUsedAt
        : summary.lastUsedAt;
    return { ...summary, lastUsedAt };
  } catch (error) {
    deps.logger.warn({ err: error, keyId: key.id }, 'usage summary unavailable; showing the key’s last-used time only');
    return fallback;
  }
}
