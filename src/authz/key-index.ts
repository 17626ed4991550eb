import type { EvaluableKey } from '../keys/evaluate.ts';
import { NetworkMatcher } from '../shared/networks.ts';
import { EndpointNumbers, type GrantSet, GrantSet as Grants, grantBits } from './grant-set.ts';
import type { IndexedKeyRecord } from './ports.ts';

export type { GrantSet } from './grant-set.ts';

/** One key as enforcement sees it. Compact: grant sets are shared between keys that hold the same grants. */
export interface IndexEntry extends EvaluableKey {
  readonly keyId: string;
  readonly partnerName: string | null;
  /** `partnerName` made safe for an HTTP header value (percent-encoded when it is not printable ASCII). */
  readonly partnerHeader: string;
  readonly permissions: GrantSet;
  /** Epoch milliseconds (a number: no Date per key, one comparison per request); null: never. */
  readonly expiresAt: number | null;
  /** The networks the key may be used from, compiled; null: any address (most keys: one check, nothing parsed). */
  readonly networks: NetworkMatcher | null;
  /** A Harvest v3 client's public id; null for a key (a client's secret is never accepted as an API key). */
  readonly clientId: string | null;
  /** A client's access tokens revoked before their expiry, by token id; null: none. */
  readonly revokedTokens: ReadonlySet<string> | null;
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

/** HMAC-SHA256: every digest the index holds has this length. */
const DIGEST_BYTES = 32;
/** A free slot: tables hold row + 1, so a fresh (zeroed) table is empty without being written. */
const EMPTY = 0;
const FIRST_CAPACITY = 1024;

/** FNV-1a over the UTF-16 code units: key ids are short ASCII strings. Signed, like the table that keeps it. */
function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** A probe table of `slots` slots, every one empty. */
function emptyTable(slots: number): Int32Array {
  return new Int32Array(slots * 2);
}

/**
 * The decision index: digest → entry, and key id → entry so a changed key can be replaced or dropped. Only the
 * digests live here, never secrets.
 *
 * Built for a million keys: the digests sit side by side in one buffer (32 bytes each, outside the JS heap) and
 * both lookups are open-addressing tables (linear probing, at most half full) of row numbers, each beside its hash,
 * so a key costs its entry object, its id and about 64 bytes, where two Maps and a digest string per key cost over
 * 150. A digest is uniformly random, so its first four bytes are its hash. Probing compares the hash kept in the
 * table before it reads the row's digest or entry: a million rows are far beyond the CPU caches, and a probe that
 * followed every row it passed cost more than the rest of a load.
 */
export class KeyIndex {
  /** Row → entry; a freed row is reused. */
  private entries: Array<IndexEntry | undefined> = [];
  /** Row → digest, DIGEST_BYTES per row. */
  private digests = Buffer.alloc(FIRST_CAPACITY * DIGEST_BYTES);
  /** Slot s → row + 1 at [2s] (or EMPTY), the row's hash at [2s + 1]. Both tables have `mask + 1` slots. */
  private byDigest = emptyTable(FIRST_CAPACITY * 2);
  private byId = emptyTable(FIRST_CAPACITY * 2);
  private mask = FIRST_CAPACITY * 2 - 1;
  private readonly freeRows: number[] = [];
  private count = 0;
  private readonly numbers = new EndpointNumbers();
  /** Bitset → the one GrantSet every key with those grants shares. */
  private readonly grantSets = new Map<string, GrantSet>();
  private readonly partners = new Map<string, { name: string; header: string }>();
  /** Network list → the one matcher every key with that list shares (a partner's defaults, typically). */
  private readonly matchers = new Map<string, NetworkMatcher>();

  get size(): number {
    return this.count;
  }

  has(keyId: string): boolean {
    return this.slotOfId(keyId) >= 0;
  }

  /** The entry of the key (or client row) with this id: how an access token finds the client it was issued to. */
  entryOf(keyId: string): IndexEntry | undefined {
    const slot = this.slotOfId(keyId);
    return slot < 0 ? undefined : this.entries[(this.byId[slot * 2] as number) - 1];
  }

  /** `digest` as `digestKey` makes it. */
  lookup(digest: string): IndexEntry | undefined {
    if (digest.length !== DIGEST_BYTES) return undefined;
    const { byDigest, digests, mask } = this;
    const hash =
      digest.charCodeAt(0) | (digest.charCodeAt(1) << 8) | (digest.charCodeAt(2) << 16) | (digest.charCodeAt(3) << 24);
    let slot = hash & mask;
    for (;;) {
      const row = (byDigest[slot * 2] as number) - 1;
      if (row < 0) return undefined;
      if (byDigest[slot * 2 + 1] === hash) {
        const base = row * DIGEST_BYTES;
        let i = 4;
        while (i < DIGEST_BYTES && digests[base + i] === digest.charCodeAt(i)) i++;
        if (i === DIGEST_BYTES) return this.entries[row];
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The same lookup straight from the HMAC output, without making a string of it. */
  lookupDigest(digest: Buffer): IndexEntry | undefined {
    if (digest.length !== DIGEST_BYTES) return undefined;
    const { byDigest, digests, mask } = this;
    const hash = digest.readInt32LE(0);
    let slot = hash & mask;
    for (;;) {
      const row = (byDigest[slot * 2] as number) - 1;
      if (row < 0) return undefined;
      if (byDigest[slot * 2 + 1] === hash) {
        const base = row * DIGEST_BYTES;
        let i = 4;
        while (i < DIGEST_BYTES && digests[base + i] === digest[i]) i++;
        if (i === DIGEST_BYTES) return this.entries[row];
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Builds a fresh index from a full load; the caller swaps it in whole, so requests never see a half-built one. */
  static from(records: readonly IndexedKeyRecord[]): KeyIndex {
    const index = new KeyIndex();
    index.putAll(records);
    return index;
  }

  /**
   * Makes room for `keys` keys at once, so that growing to them rehashes nothing: one allocation instead of a
   * doubling every time the count passes a power of two.
   */
  reserve(keys: number): void {
    while (keys * 2 > this.mask + 1) this.grow();
    if (keys * DIGEST_BYTES > this.digests.length) this.widenDigests(keys * DIGEST_BYTES);
  }

  put(record: IndexedKeyRecord): void {
    this.putWith(record, this.sharedSet(record.permissions));
  }

  /**
   * Many records at once, as a load hands them over: records that share one grant array (the source splits each
   * distinct list once) share its set without working it out again.
   */
  putAll(records: readonly IndexedKeyRecord[]): void {
    const known = new Map<readonly string[], GrantSet>();
    for (const record of records) {
      let set = known.get(record.permissions);
      if (set === undefined) {
        set = this.sharedSet(record.permissions);
        known.set(record.permissions, set);
      }
      this.putWith(record, set);
    }
  }

  private putWith(record: IndexedKeyRecord, permissions: GrantSet): void {
    if (record.digest.length !== DIGEST_BYTES)
      throw new Error(`a key digest is ${DIGEST_BYTES} bytes, got ${record.digest.length}`);
    this.remove(record.id);
    // A digest belongs to one key: whichever key held it before is replaced.
    const holder = this.lookupDigest(record.digest);
    if (holder !== undefined) this.remove(holder.keyId);
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const partner = record.partnerName === null ? undefined : this.partner(record.partnerName);
    const row = this.freeRows.pop() ?? this.entries.length;
    this.entries[row] = {
      keyId: record.id,
      partnerName: partner?.name ?? null,
      partnerHeader: partner?.header ?? '',
      status: record.status === 'active' ? 'active' : 'revoked',
      legacy: record.legacy,
      revokeAt: record.revokeAt,
      permissions,
      expiresAt: record.expiresAt,
      networks: record.allowedNetworks.length === 0 ? null : this.matcher(record.allowedNetworks),
      clientId: record.clientId,
      revokedTokens: record.revokedTokens.length === 0 ? null : new Set(record.revokedTokens),
    };
    if ((row + 1) * DIGEST_BYTES > this.digests.length) this.widenDigests(this.digests.length * 2);
    record.digest.copy(this.digests, row * DIGEST_BYTES);
    this.place(this.byDigest, record.digest.readInt32LE(0), row);
    this.place(this.byId, idHash(record.id), row);
    this.count++;
  }

  remove(keyId: string): void {
    const idSlot = this.slotOfId(keyId);
    if (idSlot < 0) return;
    const row = (this.byId[idSlot * 2] as number) - 1;
    this.unplace(this.byId, idSlot);
    let slot = this.digests.readInt32LE(row * DIGEST_BYTES) & this.mask;
    while (this.byDigest[slot * 2] !== row + 1) slot = (slot + 1) & this.mask;
    this.unplace(this.byDigest, slot);
    this.entries[row] = undefined;
    this.freeRows.push(row);
    this.count--;
  }

  /** The id table's slot holding `keyId`, or -1. */
  private slotOfId(keyId: string): number {
    const { byId, mask } = this;
    const hash = idHash(keyId);
    let slot = hash & mask;
    for (;;) {
      const row = (byId[slot * 2] as number) - 1;
      if (row < 0) return -1;
      if (byId[slot * 2 + 1] === hash && (this.entries[row] as IndexEntry).keyId === keyId) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private place(table: Int32Array, hash: number, row: number): void {
    let slot = hash & this.mask;
    while (table[slot * 2] !== EMPTY) slot = (slot + 1) & this.mask;
    table[slot * 2] = row + 1;
    table[slot * 2 + 1] = hash;
  }

  /** Linear-probing deletion without tombstones: later rows of the same run move back into the hole. */
  private unplace(table: Int32Array, hole: number): void {
    const { mask } = this;
    let i = hole;
    let j = hole;
    table[i * 2] = EMPTY;
    for (;;) {
      j = (j + 1) & mask;
      const row = table[j * 2] as number;
      if (row === EMPTY) return;
      const home = (table[j * 2 + 1] as number) & mask;
      // The row at j stays if its home lies cyclically in (i, j]: moving it to i would put it before its home.
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
      table[i * 2] = row;
      table[i * 2 + 1] = table[j * 2 + 1] as number;
      table[j * 2] = EMPTY;
      i = j;
    }
  }

  private widenDigests(bytes: number): void {
    const wider = Buffer.alloc(bytes);
    this.digests.copy(wider);
    this.digests = wider;
  }

  /** Rehashes from the hashes kept in the tables: no digest or entry is read. */
  private grow(): void {
    const old = [this.byDigest, this.byId] as const;
    const slots = (this.mask + 1) * 2;
    this.mask = slots - 1;
    this.byDigest = emptyTable(slots);
    this.byId = emptyTable(slots);
    for (const [from, to] of [
      [old[0], this.byDigest],
      [old[1], this.byId],
    ] as const) {
      for (let s = 0; s < from.length; s += 2) {
        const row = (from[s] as number) - 1;
        if (row >= 0) this.place(to, from[s + 1] as number, row);
      }
    }
  }

  /** Most keys carry one of a few partner presets: one GrantSet per distinct grant list. */
  private sharedSet(permissions: readonly string[]): GrantSet {
    const bits = grantBits(permissions, this.numbers);
    let set = this.grantSets.get(bits);
    if (set === undefined) {
      set = new Grants(bits, this.numbers);
      this.grantSets.set(bits, set);
    }
    return set;
  }

  /** Compiled once per distinct list of networks. */
  private matcher(networks: readonly string[]): NetworkMatcher {
    const list = networks.join(' ');
    let known = this.matchers.get(list);
    if (known === undefined) {
      known = new NetworkMatcher(networks);
      this.matchers.set(list, known);
    }
    return known;
  }

  /** Thousands of keys share a few partners: one name string and one header value each. */
  private partner(name: string): { name: string; header: string } {
    let known = this.partners.get(name);
    if (known === undefined) {
      known = { name, header: headerSafe(name) };
      this.partners.set(name, known);
    }
    return known;
  }
}
