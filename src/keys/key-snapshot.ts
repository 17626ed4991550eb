import type { ApiKey } from './types.ts';

/** What an audit row records about a key: enough to see the change, never the secret or its digest. */
export function keySnapshot(key: ApiKey): Record<string, unknown> {
  return {
    description: key.description,
    partnerId: key.partnerId,
    status: key.status,
    permissions: key.permissions,
    revokeAt: key.revokeAt?.toISOString() ?? null,
    version: key.version,
  };
}
