import type { UsageBatch, UsageCount, UsageSink } from './ports.ts';

const DAY_MS = 86_400_000;

/** Endpoint id recorded for a target outside the catalog. */
export const OUTSIDE_CATALOG = '-';

interface Counter {
  allowed: number;
  denied: number;
}

/** When a key was last used: one box per key, shared by its days, so a request writes a number in place. */
interface LastUsed {
  at: number;
}

interface KeyCounts {
  endpoints: Map<string, Counter>;
  lastUsed: LastUsed;
}

type DayCounts = Map<string, KeyCounts>;

export interface UsageRecorder {
  /** Hot path: two map lookups and an increment; nothing is written here. */
  record(keyId: string, endpointId: string, allowed: boolean, nowMs: number): void;
  /** Writes what has accumulated; on failure keeps it for the next flush. */
  flush(): Promise<void>;
  start(intervalMs: number, onError: (error: unknown) => void): void;
  /** Stops the timer and writes what is left. */
  stop(): Promise<void>;
}

/**
 * Usage is aggregated per key × endpoint × UTC day in memory and written in batches, so recording costs the
 * request nothing but a counter increment.
 */
export function createUsageRecorder(sink: UsageSink): UsageRecorder {
  let days = new Map<number, DayCounts>();
  let lastUsed = new Map<string, LastUsed>();
  let currentDay = -1;
  let current: DayCounts | undefined;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;

  function record(keyId: string, endpointId: string, allowed: boolean, nowMs: number): void {
    const day = Math.floor(nowMs / DAY_MS);
    if (day !== currentDay || current === undefined) {
      currentDay = day;
      current = days.get(day);
      if (current === undefined) {
        current = new Map();
        days.set(day, current);
      }
    }
    let perKey = current.get(keyId);
    if (perKey === undefined) {
      perKey = { endpoints: new Map(), lastUsed: lastUsedBox(keyId, nowMs) };
      current.set(keyId, perKey);
    }
    let counter = perKey.endpoints.get(endpointId);
    if (counter === undefined) {
      counter = { allowed: 0, denied: 0 };
      perKey.endpoints.set(endpointId, counter);
    }
    if (allowed) counter.allowed++;
    else counter.denied++;
    // In place: no Map write and no boxed number per request (a time does not fit a small integer).
    perKey.lastUsed.at = nowMs;
  }

  function lastUsedBox(keyId: string, nowMs: number): LastUsed {
    let box = lastUsed.get(keyId);
    if (box === undefined) {
      box = { at: nowMs };
      lastUsed.set(keyId, box);
    }
    return box;
  }

  function takeBatch(): { batch: UsageBatch; taken: { days: typeof days; lastUsed: typeof lastUsed } } {
    const taken = { days, lastUsed };
    days = new Map();
    lastUsed = new Map();
    current = undefined;
    const counts: UsageCount[] = [];
    for (const [day, perKeys] of taken.days) {
      const dayText = new Date(day * DAY_MS).toISOString().slice(0, 10);
      for (const [keyId, perKey] of perKeys) {
        for (const [endpointId, counter] of perKey.endpoints) {
          counts.push({ keyId, endpointId, day: dayText, allowed: counter.allowed, denied: counter.denied });
        }
      }
    }
    const used = [...taken.lastUsed].map(([keyId, box]) => ({ keyId, at: new Date(box.at) }));
    return { batch: { counts, lastUsed: used }, taken };
  }

  /** A failed write puts its counts back, so an outage delays usage figures but loses none. */
  function restore(taken: { days: Map<number, DayCounts>; lastUsed: Map<string, LastUsed> }): void {
    // Times first: every restored key's counts then point at the box its newer requests write.
    for (const [keyId, box] of taken.lastUsed) {
      const newer = lastUsed.get(keyId);
      if (newer === undefined) lastUsed.set(keyId, box);
      else if (newer.at < box.at) newer.at = box.at;
    }
    for (const [day, perKeys] of taken.days) {
      let dayCounts = days.get(day);
      if (dayCounts === undefined) {
        dayCounts = new Map();
        days.set(day, dayCounts);
      }
      for (const [keyId, perKey] of perKeys) {
        const existing = dayCounts.get(keyId);
        if (existing === undefined) {
          dayCounts.set(keyId, { endpoints: perKey.endpoints, lastUsed: lastUsed.get(keyId) as LastUsed });
          continue;
        }
        for (const [endpointId, counter] of perKey.endpoints) {
          const known = existing.endpoints.get(endpointId);
          if (known === undefined) existing.endpoints.set(endpointId, counter);
          else {
            known.allowed += counter.allowed;
            known.denied += counter.denied;
          }
        }
      }
    }
    current = undefined;
  }

  async function flushOnce(): Promise<void> {
    if (days.size === 0 && lastUsed.size === 0) return;
    const { batch, taken } = takeBatch();
    try {
      await sink.write(batch);
    } catch (error) {
      restore(taken);
      throw error;
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
