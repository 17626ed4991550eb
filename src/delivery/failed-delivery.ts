import type { ApiKey } from '../keys/types.ts';

/** Who revokes a key whose encrypted hand-over failed. */
export const DELIVERY_ACTOR = 'system';

const PREFIX = 'delivery ';

/** The revoke reason recorded when a hand-over failed (or was given up): `delivery del_… failed: user_not_found`. */
export function failedDeliveryReason(deliveryId: string, code: string): string {
  return `${PREFIX}${deliveryId} failed: ${code}`;
}

export const NO_PARTNER_REASON = `${PREFIX}refused: the key has no partner`;

/**
 * Whether the key was revoked because its hand-over failed: nobody ever held its secret, so re-enabling it helps
 * nobody. Replacing it (a new key with the same permissions, handed over again) is the way forward.
 */
export function revokedByFailedDelivery(key: Pick<ApiKey, 'status' | 'revokedBy' | 'revokeReason'>): boolean {
  return (
    key.status === 'revoked' && key.revokedBy === DELIVERY_ACTOR && (key.revokeReason?.startsWith(PREFIX) ?? false)
  );
}
