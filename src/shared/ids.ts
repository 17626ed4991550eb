import { randomBase62 } from './base62.ts';

/** Public identifiers: safe to show in Slack and logs, unrelated to any secret. */
export const newKeyId = (): string => `key_${randomBase62(12)}`;
export const newPartnerId = (): string => `ptn_${randomBase62(12)}`;
