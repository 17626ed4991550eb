import { randomBase62 } from './base62.ts';

/** Public identifiers: safe to show in Slack and logs, unrelated to any secret. */
export const newKeyId = (): string => `key_${randomBase62(12)}`;
/** A Harvest v3 client's id: public (sent with every token request, shown everywhere), never a secret. */
export const newClientId = (): string => `hkc_${randomBase62(24)}`;
export const newPartnerId = (): string => `ptn_${randomBase62(12)}`;
