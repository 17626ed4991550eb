import type { UsageBatch, UsageCount, UsageSink } from './ports.ts';

const DAY_MS = 86_400_000;

/** Endpoint id recorded for a target outside the catalog. */
export const OUTSIDE_CATALOG = '-';

/**
 * At most this many key × endpoint × day counts wait for a write (a 32 MB table, and its spare). Steady traffic of
 * 10k requests a second flushed every 10 s needs at most 100k; the rest is room for a database outage. Beyond it a
 * new combination is not counted (its key's last-used time still is), so an outage cannot exhaust the heap.
 */
export const MAX_PENDING_COUNTS = 1 << 20;
/** Keys remembered between flushes (their slot numbers); forgotten all at once at a flush beyond this. */
const MAX_KEY_SLOTS = 1 << 20;
/** Endpoint indexes share an int32 with the low 16 bits of the day. */
const MAX_ENDPOINTS = 0x7fff;
const INITIAL_CAPACITY = 1 << 16;
/** Counts per write: a flush holds at most this many as objects at once, whatever is waiting. */
export const WRITE_CHUNK = 25_000;

export interface UsageRecorder {
  /** Hot path: two map lookups, a probe into typed arrays and an increment; nothing is written or allocated here. */
  record(keyId: string, endpointId: string, allowed: boolean, nowMs: number): void;
  /** Writes what has accumulated; on failure keeps it for the next flush. */
  flush(): Promise<void>;
  start(intervalMs: number, onError: (error: unknown) => void): void;
  /** Stops the timer and writes what is left. */
  stop(): Promise<void>;
  /** Counts waiting for a write, and combinations not counted because MAX_PENDING_COUNTS were waiting. */
  stats(): { pending: number; dropped: number };
}

/**
 * Usage is aggregated per key × endpoint × UTC day in memory and written in batches, so recording costs the
 * request a counter increment. Keys and endpoints get small slot numbers once (kept across flushes: the same keys
 * call again), and the counts live in one open-addressing table in a typed array, swapped for a cleared spare at each
 * flush: a request allocates nothing, and the memory between flushes is bounded by MAX_PENDING_COUNTS whatever the traffic.
 */
export function createUsageRecorder(sink: UsageSink, options: { maxPending?: number | undefined } = {}): UsageRecorder {
  const maxPending = options.maxPending ?? MAX_PENDING_COUNTS;
  // Slots: each key's id and its last-used time since the last flush (0: not used since).
  let keySlots = new Map<string, number>();
  let slotKeys: string[] = [];
  let lastUsed = new Float64Array(INITIAL_CAPACITY);
  let usedSlots = new Int32Array(INITIAL_CAPACITY);
  let usedCount = 0;
  const endpointSlots = new Map<string, number>();
  const endpointIds: string[] = [];
  // The low 16 bits of a day number → the day itself: entries store only the low bits.
  const days = new Map<number, number>();
  let currentDay = -1;

  // The table, one entry per 16 bytes (one cache line holds four): slot + 1 (0: empty), endpoint << 16 | the day's
  // low 16 bits, and the allowed and denied counts (uint32, saturating: billions between two writes only in theory).
  let capacity = INITIAL_CAPACITY;
  let mask = capacity - 1;
  let table = new Uint32Array(capacity * 4);
  // The table a flush hands over is cleared and kept for the next flush: steady traffic allocates no new table.
  let spare = new Uint32Array(0);
  let entries = 0;
  let dropped = 0;

  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;

  function keySlot(keyId: string): number {
    let slot = keySlots.get(keyId);
    if (slot === undefined) {
      slot = slotKeys.length;
      slotKeys.push(keyId);
      keySlots.set(keyId, slot);
      if (slot >= lastUsed.length) {
        const grown = new Float64Array(lastUsed.length * 2);
        grown.set(lastUsed);
        lastUsed = grown;
      }
    }
    return slot;
  }

  function endpointSlot(endpointId: string): number {
    let slot = endpointSlots.get(endpointId);
    if (slot === undefined) {
      // A catalog never has this many endpoints; should one, the rest count as outside the catalog.
      if (endpointIds.length >= MAX_ENDPOINTS) return endpointSlot(OUTSIDE_CATALOG);
      slot = endpointIds.length;
      endpointIds.push(endpointId);
      endpointSlots.set(endpointId, slot);
    }
    return slot;
  }

  function touch(slot: number, atMs: number): void {
    const previous = lastUsed[slot] as number;
    if (previous === 0) {
      if (usedCount === usedSlots.length) {
        const grown = new Int32Array(usedSlots.length * 2);
        grown.set(usedSlots);
        usedSlots = grown;
      }
      usedSlots[usedCount++] = slot;
    }
    if (atMs > previous) lastUsed[slot] = atMs;
  }

  function hash(slot: number, endpointDay: number): number {
    return (Math.imul(slot, 0x9e3779b1) ^ Math.imul(endpointDay, 0x85ebca6b)) & mask;
  }

  /** Doubles the table (the load stays at most one half). */
  function grow(): void {
    const old = table;
    capacity *= 2;
    mask = capacity - 1;
    table = new Uint32Array(capacity * 4);
    for (let i = 0; i < old.length; i += 4) {
      const key = old[i] as number;
      if (key === 0) continue;
      const endpointDay = old[i + 1] as number;
      let at = hash(key - 1, endpointDay);
      while (table[at * 4] !== 0) at = (at + 1) & mask;
      table.set(old.subarray(i, i + 4), at * 4);
    }
  }

  function add(slot: number, endpoint: number, day: number, allowed: number, denied: number): void {
    const endpointDay = ((endpoint << 16) | (day & 0xffff)) >>> 0;
    const key = slot + 1;
    let at = hash(slot, endpointDay) * 4;
    for (;;) {
      const found = table[at];
      if (found === key && table[at + 1] === endpointDay) break;
      if (found === 0) {
        if (entries >= maxPending) {
          dropped++;
          return;
        }
        if ((entries + 1) * 2 > capacity) {
          grow();
          add(slot, endpoint, day, allowed, denied);
          return;
        }
        table[at] = key;
        table[at + 1] = endpointDay;
        entries++;
        break;
      }
      at = (at + 4) & (mask * 4 + 3);
    }
    table[at + 2] = Math.min(0xffffffff, (table[at + 2] as number) + allowed);
    table[at + 3] = Math.min(0xffffffff, (table[at + 3] as number) + denied);
  }

  function record(keyId: string, endpointId: string, allowed: boolean, nowMs: number): void {
    const day = Math.floor(nowMs / DAY_MS);
    if (day !== currentDay) {
      currentDay = day;
      days.set(day & 0xffff, day);
    }
    const slot = keySlot(keyId);
    touch(slot, nowMs);
    add(slot, endpointSlot(endpointId), day, allowed ? 1 : 0, allowed ? 0 : 1);
  }

  /** The key ids and last-used times gathered since the last flush, cleared for what comes next. */
  function takeLastUsed(): UsageBatch['lastUsed'] {
    const used: UsageBatch['lastUsed'] = new Array(usedCount);
    for (let i = 0; i < usedCount; i++) {
      const slot = usedSlots[i] as number;
      used[i] = { keyId: slotKeys[slot] as string, at: new Date(lastUsed[slot] as number) };
      lastUsed[slot] = 0;
    }
    usedCount = 0;
    return used;
  }

  /** The counts in `taken[from…to)` (entry offsets) as the sink takes them. */
  function countsOf(taken: Uint32Array, from: number, to: number, dayTexts: Map<number, string>): UsageCount[] {
    const counts: UsageCount[] = [];
    for (let i = from; i < to; i += 4) {
      const key = taken[i] as number;
      if (key === 0) continue;
      const endpointDay = taken[i + 1] as number;
      const low = endpointDay & 0xffff;
      let day = dayTexts.get(low);
      if (day === undefined) {
        day = new Date((days.get(low) ?? low) * DAY_MS).toISOString().slice(0, 10);
        dayTexts.set(low, day);
      }
      counts.push({
        keyId: slotKeys[key - 1] as string,
        endpointId: endpointIds[endpointDay >>> 16] as string,
        day,
        allowed: taken[i + 2] as number,
        denied: taken[i + 3] as number,
      });
    }
    return counts;
  }

  /** Counts of `taken[from…)` that were not written go back into the live table (up to the bound). */
  function putBack(taken: Uint32Array, from: number): void {
    for (let i = from; i < taken.length; i += 4) {
      const key = taken[i] as number;
      if (key === 0) continue;
      const endpointDay = taken[i + 1] as number;
      const low = endpointDay & 0xffff;
      add(key - 1, endpointDay >>> 16, days.get(low) ?? low, taken[i + 2] as number, taken[i + 3] as number);
    }
  }

  /**
   * Swaps the live table for the spare one and writes what it held in chunks of WRITE_CHUNK counts, so a flush never
   * holds more than one chunk as objects. A failed write puts the unwritten counts back (and the last-used times, if
   * they were not written yet): an outage delays usage figures but loses none within the bound.
   */
  async function flushOnce(): Promise<void> {
    if (entries === 0 && usedCount === 0) return;
    const taken = table;
    const takenEntries = entries;
    table = spare.length === taken.length ? spare : new Uint32Array(taken.length);
    entries = 0;
    let used = takeLastUsed();
    const dayTexts = new Map<number, string>();
    let offset = 0;
    let written = 0;
    try {
      do {
        // Walk entry slots until a chunk's worth of counts is gathered (the table is at most half full).
        let end = offset;
        let gathered = 0;
        while (end < taken.length && gathered < WRITE_CHUNK) {
          if (taken[end] !== 0) gathered++;
          end += 4;
        }
        const counts = countsOf(taken, offset, end, dayTexts);
        await sink.write({ counts, lastUsed: used });
        used = [];
        written += counts.length;
        offset = end;
      } while (written < takenEntries);
    } catch (error) {
      putBack(taken, offset);
      for (const u of used) touch(keySlot(u.keyId), u.at.getTime());
      throw error;
    } finally {
      taken.fill(0);
      spare = taken;
    }
    // Slots of keys long gone would otherwise pile up; only safe while no count refers to a slot.
    if (slotKeys.length > MAX_KEY_SLOTS && entries === 0 && usedCount === 0) {
      keySlots = new Map();
      slotKeys = [];
      lastUsed = new Float64Array(INITIAL_CAPACITY);
    }
  }

  function flush(): Promise<void> {
    // One write at a time: a slow database must not stack up concurrent upserts of the same rows.
    const run = (flushing ?? Promise.resolve()).catch(() => {}).then(flushOnce);
    flushing = run;
    return run;
  }

  return {
    record,
    flush,
    stats: () => ({ pending: entries, dropped }),
    start(intervalMs, onError) {
      timer = setInterval(() => {
        flush().catch(onError);
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await flush();
    },
  };
}
