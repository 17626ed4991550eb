import type { EvaluableKey } from '../keys/evaluate.ts';
import type { IndexedKeyRecord } from './ports.ts';

/** One key as enforcement sees it. Compact: permission sets are shared between keys that hold the same grants. */
export interface IndexEntry extends EvaluableKey {
  readonly keyId: string;
  readonly partnerName: string | null;
  /** `partnerName` made safe for an HTTP header value (percent-encoded when it is not printable ASCII). */
  readonly partnerHeader: string;
  readonly permissions: ReadonlySet<string>;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Header values must be latin1 without control characters; names and labels may hold anything. */
export function headerSafe(value: string): string {
  return PRINTABLE_ASCII.test(value) ? value : encodeURIComponent(value);
}

/** Map key for a digest: one-byte string, cheapest to produce from the HMAC output. */
export function digestKey(digest: Buffer): string {
  return digest.toString('latin1');
}

/**
 * The decision index: digest → entry, plus id → digest so a changed key can be replaced or dropped. Only the
 * digests live here, never secrets.
 */
export class KeyIndex {
  private readonly byDigest = new Map<string, IndexEntry>();
  private readonly digestById = new Map<string, string>();
  private readonly permissionSets = new Map<string, ReadonlySet<string>>();
  private readonly endpointIds = new Map<string, string>();
  private readonly partnerNames = new Map<string, { name: string; header: string }>();

  get size(): number {
    return this.byDigest.size;
  }

  has(keyId: string): boolean {
    return this.digestById.has(keyId);
  }

  lookup(digest: string): IndexEntry | undefined {
    return this.byDigest.get(digest);
  }

  /** Builds a fresh index from a full load; the caller swaps it in whole, so requests never see a half-built one. */
  static from(records: readonly IndexedKeyRecord[]): KeyIndex {
    const index = new KeyIndex();
    for (const record of records) index.put(record);
    return index;
  }

  put(record: IndexedKeyRecord): void {
    this.remove(record.id);
    const digest = digestKey(record.digest);
    const partner = record.partnerName === null ? undefined : this.partner(record.partnerName);
    this.byDigest.set(digest, {
      keyId: record.id,
      partnerName: partner?.name ?? null,
      partnerHeader: partner?.header ?? '',
      status: record.status === 'active' ? 'active' : 'revoked',
      legacy: record.legacy,
      revokeAt: record.revokeAt,
      permissions: this.sharedSet(record.permissions),
    });
    this.digestById.set(record.id, digest);
  }

  remove(keyId: string): void {
    const digest = this.digestById.get(keyId);
    if (digest === undefined) return;
    this.digestById.delete(keyId);
    this.byDigest.delete(digest);
  }

  /** Most keys carry one of a few partner presets: one Set per distinct grant list, and one string per endpoint id. */
  private sharedSet(permissions: readonly string[]): ReadonlySet<string> {
    const sorted = permissions.map((id) => this.intern(id)).sort();
    const signature = sorted.join('\n');
    let set = this.permissionSets.get(signature);
    if (set === undefined) {
      set = new Set(sorted);
      this.permissionSets.set(signature, set);
    }
    return set;
  }

  /** Thousands of keys share a few partners: one name string and one header value each. */
  private partner(name: string): { name: string; header: string } {
    let known = this.partnerNames.get(name);
    if (known === undefined) {
      known = { name, header: headerSafe(name) };
      this.partnerNames.set(name, known);
    }
    return known;
  }

  private intern(id: string): string {
    const known = this.endpointIds.get(id);
    if (known !== undefined) return known;
    this.endpointIds.set(id, id);
    return id;
  }
}
