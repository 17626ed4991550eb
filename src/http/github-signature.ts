import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { Logger } from '../logger.ts';

/** How a report's signature turned out; `unavailable`: GitHub's keys could not be fetched (and none are cached). */
export type SignatureCheck = 'valid' | 'invalid' | 'unavailable';

export interface GithubSignatureVerifier {
  /** `identifier` and `signature` as sent (`Github-Public-Key-Identifier`, `Github-Public-Key-Signature`). */
  verify(identifier: string | undefined, signature: string | undefined, body: Buffer): Promise<SignatureCheck>;
}

export interface GithubSignatureOptions {
  /** SECRET_SCANNING_KEYS_URL: `{"public_keys": [{"key_identifier", "key", "is_current"}]}`. */
  url: string;
  logger: Logger;
  /**
   * An unknown identifier refetches the keys (GitHub rotated them), at most this often: forged reports naming made-up
   * identifiers must not turn into a stream of requests to GitHub.
   */
  minRefetchMs?: number;
  /** Keys older than this are fetched again before use, so a key GitHub withdrew stops being trusted. */
  maxAgeMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

const FETCH_TIMEOUT_MS = 10_000;

interface KeySet {
  keys: Map<string, KeyObject>;
  fetchedAt: number;
}

/** The keys of a keys document that are ECDSA P-256 public keys; anything else is left out (and said once). */
function parseKeys(document: unknown, logger: Logger): Map<string, KeyObject> {
  const list = (document as { public_keys?: unknown } | null)?.public_keys;
  if (!Array.isArray(list)) throw new Error('the document has no public_keys array');
  const keys = new Map<string, KeyObject>();
  for (const entry of list as unknown[]) {
    const { key_identifier: id, key } = (entry ?? {}) as { key_identifier?: unknown; key?: unknown };
    if (typeof id !== 'string' || typeof key !== 'string') continue;
    try {
      const object = createPublicKey(key);
      if (object.asymmetricKeyType !== 'ec' || object.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
        logger.warn({ keyIdentifier: id }, 'secret scanning key is not ECDSA P-256; ignored');
        continue;
      }
      keys.set(id, object);
    } catch {
      logger.warn({ keyIdentifier: id }, 'secret scanning key is not a PEM public key; ignored');
    }
  }
  return keys;
}

/**
 * Verifies GitHub's secret scanning signatures: ECDSA P-256 with SHA-256 over the raw body, the signature base64 DER
 * (Node's default encoding), by the key GitHub names. Keys are fetched on first use and cached; an unknown identifier
 * refetches them (rate-limited), and a failed refetch keeps the keys already held.
 */
export function createGithubSignatureVerifier(options: GithubSignatureOptions): GithubSignatureVerifier {
  const { url, logger } = options;
  const minRefetchMs = options.minRefetchMs ?? 60_000;
  const maxAgeMs = options.maxAgeMs ?? 3_600_000;
  const now = options.now ?? Date.now;
  const fetchDocument = options.fetch ?? fetch;
  let current: KeySet | undefined;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<KeySet | undefined> | undefined;

  async function load(): Promise<KeySet | undefined> {
    lastAttempt = now();
    try {
      const response = await fetchDocument(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const keys = parseKeys(await response.json(), logger);
      current = { keys, fetchedAt: now() };
      logger.info({ url, keys: keys.size }, 'secret scanning public keys loaded');
    } catch (error) {
      logger.warn(
        { url, err: error instanceof Error ? error.message : String(error) },
        current === undefined
          ? "fetching GitHub's secret scanning public keys failed; reports are answered 503 until it works"
          : "refetching GitHub's secret scanning public keys failed; keeping the keys already loaded",
      );
    }
    return current;
  }

  /** One fetch at a time: reports arriving together share it. */
  function refresh(): Promise<KeySet | undefined> {
    inFlight ??= load().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function keyFor(identifier: string): Promise<KeyObject | undefined | 'unavailable'> {
    let set = current;
    if (set === undefined || now() - set.fetchedAt >= maxAgeMs) {
      // The first fetch, or an expired cache. A failed fetch is not retried before minRefetchMs, with keys held or
      // not: otherwise every forged report during an outage would be one more request to GitHub. A fetch under way
      // is shared.
      set = inFlight !== undefined || now() - lastAttempt >= minRefetchMs ? await refresh() : set;
      if (set === undefined) return 'unavailable';
    }
    const key = set.keys.get(identifier);
    if (key !== undefined || now() - lastAttempt < minRefetchMs) return key;
    return (await refresh())?.keys.get(identifier);
  }

  return {
    async verify(identifier, signature, body) {
      if (identifier === undefined || signature === undefined) return 'invalid';
      const id = identifier.trim();
      const encoded = signature.trim();
      if (id === '' || id.length > 200 || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return 'invalid';
      const key = await keyFor(id);
      if (key === 'unavailable') return 'unavailable';
      if (key === undefined) return 'invalid';
      try {
        return verify('sha256', body, key, Buffer.from(encoded, 'base64')) ? 'valid' : 'invalid';
      } catch {
        // A signature that is not DER at all.
        return 'invalid';
      }
    },
  };
}
