import type { UsageBatch, UsageCount, UsageSink } from './ports.ts';

const DAY_MS = 86_400_000;

/** Endpoint id recorded for a target outside the catalog. */
export const OUTSIDE_CATALOG = '-';

interface Counter {
  allowed: number;
  denied: number;
}

type DayCounts = Map<string, Map<string, Counter>>;

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
  let lastUsed = new Map<string, number>();
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
      perKey = new Map();
      current.set(keyId, perKey);
    }
    let counter = perKey.get(endpointId);
    if (counter === undefined) {
      counter = { allowed: 0, denied: 0 };
      perKey.set(endpointId, counter);
    }
    if (allowed) counter.allowed++;
    else counter.denied++;
    lastUsed.set(keyId, nowMs);
  }

  function takeBatch(): { batch: UsageBatch; taken: { days: typeof days; lastUsed: typeof lastUsed } } {
    const taken = { days, lastUsed };
    days = new Map();
    lastUsed = new Map();
    current = undefined;
    const counts: UsageCount[] = [];
    for (const [day, perKeys] of taken.days) {
      const dayText = new Date(day * DAY_MS).toISOString().slice(0, 10);
      for (const [keyId, perEndpoint] of perKeys) {
        for (const [endpointId, counter] of perEndpoint) {
          counts.push({ keyId, endpointId, day: dayText, allowed: counter.allowed, denied: counter.denied });
        }
      }
    }
    const used = [...taken.lastUsed].map(([keyId, at]) => ({ keyId, at: new Date(at) }));
    return { batch: { counts, lastUsed: used }, taken };
  }

  /** A failed write puts its counts back, so an outage delays usage figures but loses none. */
  function restore(taken: { days: Map<number, DayCounts>; lastUsed: Map<string, number> }): void {
    for (const [day, perKeys] of taken.days) {
      for (const [keyId, perEndpoint] of perKeys) {
        for (const [endpointId, counter] of perEndpoint) {
          let dayCounts = days.get(day);
          if (dayCounts === undefined) {
            dayCounts = new Map();
            days.set(day, dayCounts);
          }
          let perKey = dayCounts.get(keyId);
          if (perKey === undefined) {
            perKey = new Map();
            dayCounts.set(keyId, perKey);
          }
          const existing = perKey.get(endpointId);
          if (existing === undefined) perKey.set(endpointId, counter);
          else {
            existing.allowed += counter.allowed;
            existing.denied += counter.denied;
          }
        }
      }
    }
    for (const [keyId, at] of taken.lastUsed) {
      const newer = lastUsed.get(keyId);
      if (newer === undefined || newer < at) lastUsed.set(keyId, at);
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
