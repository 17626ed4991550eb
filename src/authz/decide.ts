import type { Catalog, Endpoint } from '../catalog/types.ts';
import { evaluate } from '../keys/evaluate.ts';
import type { SecretFormat } from '../keys/secret-format.ts';
import { digestKey, type IndexEntry, type KeyIndex } from './key-index.ts';

export type Verdict =
  | { status: 200; entry: IndexEntry; endpoint: Endpoint }
  | {
      status: 401;
      reason: 'missing' | 'empty' | 'malformed' | 'checksum' | 'unknown' | 'revoked' | 'expired' | 'client_secret';
      entry: IndexEntry | undefined;
      endpoint: Endpoint | undefined;
    }
  | {
      status: 403;
      reason: 'not_granted' | 'not_in_catalog' | 'ambiguous_target';
      entry: IndexEntry;
      endpoint: Endpoint | undefined;
    };

export interface Decider {
  /** `now` as a Date or epoch milliseconds (the hot path passes a number: no Date per request). */
  decide(index: KeyIndex, secret: string, method: string, path: string, now: Date | number): Verdict;
}

const MALFORMED = { status: 401, reason: 'malformed', entry: undefined, endpoint: undefined } as const;
const CHECKSUM = { status: 401, reason: 'checksum', entry: undefined, endpoint: undefined } as const;
const EMPTY = { status: 401, reason: 'empty', entry: undefined, endpoint: undefined } as const;
const UNKNOWN = { status: 401, reason: 'unknown', entry: undefined, endpoint: undefined } as const;
const CLIENT_SECRET = { status: 401, reason: 'client_secret', entry: undefined, endpoint: undefined } as const;

/**
 * The whole decision from memory: format and checksum first (a mistyped or made-up key never reaches the index),
 * then one HMAC and one map lookup, then the same `evaluate` the CLI and the services use.
 */
export function createDecider(deps: {
  catalog: Catalog;
  secretFormat: SecretFormat;
  /** A `SecretDigest` (its `latin1` form is the index's key, computed without createHmac); a bare function works too. */
  digest: ((secret: string) => Buffer) & { readonly latin1?: (secret: string) => string };
}): Decider {
  const { catalog, secretFormat, digest } = deps;
  const indexKey = digest.latin1 ?? ((secret: string) => digestKey(digest(secret)));
  return {
    decide(index, secret, method, path, now) {
      const format = secretFormat.check(secret);
      if (!format.ok) return format.reason === 'checksum' ? CHECKSUM : format.reason === 'empty' ? EMPTY : MALFORMED;
      const entry = index.lookup(indexKey(secret));
      if (entry === undefined) return UNKNOWN;
      // A Harvest v3 client's secret only buys access tokens (POST /oauth/token); it is not a key.
      if (entry.clientId !== null) return CLIENT_SECRET;
      const decision = evaluate(catalog, entry, method, path, now);
      if (decision.allowed) return { status: 200, entry, endpoint: decision.endpoint };
      if (decision.reason === 'revoked' || decision.reason === 'expired')
        return { status: 401, reason: decision.reason, entry, endpoint: decision.endpoint };
      return { status: 403, reason: decision.reason, entry, endpoint: decision.endpoint };
    },
  };
}
