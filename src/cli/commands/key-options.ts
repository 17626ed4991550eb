import { parseExpiry, timeUntil } from '../../keys/expiry.ts';
import { iso } from '../format.ts';
import { UsageError } from '../usage-error.ts';

export const many = { type: 'string', multiple: true } as const;
/** `--expires` and `--no-expiry`, on every command that sets a key's life. */
export const expiryOptions = { expires: { type: 'string' }, 'no-expiry': { type: 'boolean' } } as const;

/** The expiry asked for: a Date, null (`--no-expiry`), or undefined (neither: the command's default). */
export function expiryOf(values: { expires?: string | undefined; 'no-expiry'?: boolean | undefined }, usage: string) {
  if (values.expires !== undefined && values['no-expiry'] === true)
    throw new UsageError(`--expires and --no-expiry cannot both be given\nusage: ${usage}`);
  if (values['no-expiry'] === true) return null;
  return values.expires === undefined ? undefined : parseExpiry(values.expires, new Date());
}

/** `expires 2027-01-31T00:00:00Z (in 60 days)`, `expired 2026-…`, `never expires`. */
export function expiryText(expiresAt: Date | null, now = new Date()): string {
  if (expiresAt === null) return 'never expires';
  return expiresAt.getTime() <= now.getTime()
    ? `expired ${iso(expiresAt)}`
    : `expires ${iso(expiresAt)} (${timeUntil(expiresAt, now)})`;
}

/** Where the key may be used from, in one line. */
export function networksLine(networks: readonly string[]): string {
  return networks.length === 0
    ? 'Usable from any address.'
    : `Usable only from ${networks.length === 1 ? 'this network' : `these ${networks.length} networks`}: ${networks.join(', ')}`;
}
