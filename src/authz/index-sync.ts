import type { Logger } from '../logger.ts';
import { KeyIndex } from './key-index.ts';
import type { AuthzObserver, IndexedKeyRecord, KeyChangeFeed, KeyIndexSource } from './ports.ts';

export type Freshness = 'fresh' | 'loading' | 'stale';

export interface SyncStatus {
  freshness: Freshness;
  keys: number;
  /** Since the instance last proved it had applied every committed change; undefined before the first load. */
  staleForMs: number | undefined;
  /** Why the instance is behind (for /readyz and logs); undefined when nothing is holding it back. */
  reason: string | undefined;
}

export interface IndexSync {
  /** The current index, or undefined until the first full load. */
  current(): KeyIndex | undefined;
  /**
   * `stale` once the instance cannot prove, for longer than `maxStalenessMs`, that it has applied every committed
   * change: whatever the cause (channel down, hung or slow query, backlog, reload in progress).
   */
  freshness(nowMs: number): Freshness;
  /** For /readyz, metrics and logs. */
  status(nowMs: number): SyncStatus;
  start(): void;
  stop(): Promise<void>;
  /** Resolves after the first full load (tests, benchmarks). */
  loaded(): Promise<void>;
}

const RETRY_MS = 500;
/**
 * Ids per incremental load (one `id = any($1)` statement, about 40 ms for 5,000 keys against 1M): a bulk import is
 * applied in bounded steps, each short enough that a change to an existing key waits little behind it.
 */
export const LOAD_BATCH = 5_000;
/**
 * Room a full load leaves in the index beyond the keys it holds: an import after it (tens of thousands of keys) is
 * applied without rehashing a million rows in one step, which would hold /authz requests and the import back.
 */
export const HEADROOM = 0.25;
/** A full reload may legitimately take a while (100k keys); it is still bounded, so a hung one is retried. */
const FULL_LOAD_FACTOR = 6;

interface Waiting {
  /** When the notification arrived (the invalidation lag metric). */
  at: number;
  /** Arrival order: a delivery confirmation covers the changes that arrived before it. */
  seq: number;
  /**
   * A key that did not exist before (an import, a new key): until it is loaded the instance refuses it, which is
   * safe, so it neither holds freshness back nor goes before changes to existing keys.
   */
  added: boolean;
}

interface InFlight {
  kind: 'reload' | 'update';
  startedAt: number;
  ids: number;
  /** Lowest arrival number this step covers; confirmations after it wait until the step lands. */
  minSeq: number;
}

/**
 * Keeps the index current: a full load whenever LISTEN is (re)established (changes may have been missed while it
 * was down), and loads by key id for each notification, in bounded batches, interactive changes first. Work runs one
 * step at a time; notifications that arrive during a step are applied after it, so none is lost.
 *
 * Freshness is proved, not assumed: the feed reports `onCaughtUp(t)` once everything committed before `t` has been
 * delivered (the listener's own NOTIFY coming back, which PostgreSQL delivers in commit order). `t` becomes the
 * proof once every change delivered before it is applied; a completed full reload proves its start time. The index
 * is stale when that proof is older than `maxStalenessMs`, so a hung query, a slow reload, a backlog or a lost
 * channel all fail closed the same way.
 */
export function createIndexSync(deps: {
  source: KeyIndexSource;
  feed: KeyChangeFeed;
  maxStalenessMs: number;
  /** A load that has not answered by then is abandoned and retried (a full reload gets several times longer). */
  loadTimeoutMs?: number | undefined;
  logger: Logger;
  observer?: AuthzObserver | undefined;
  nowMs?: () => number;
}): IndexSync {
  const { source, feed, logger, observer } = deps;
  const nowMs = deps.nowMs ?? Date.now;
  const loadTimeoutMs = deps.loadTimeoutMs ?? 15_000;
  let index: KeyIndex | undefined;
  let connected = false;
  let lastChannelError: string | undefined;
  let lastLoadError: string | undefined;
  /** Everything committed before this instant is applied. */
  let provenAt: number | undefined;
  let reloadWanted = false;
  let seq = 0;
  /**
   * Set on (re)connect: changes committed while LISTEN was down were never delivered, so no confirmation counts
   * until a full reload started after it has landed.
   */
  let gapSeq: number | undefined;
  let everConnected = false;
  /** Changes to existing keys (revoke, edit...): applied first, and freshness waits for them. */
  const changed = new Map<string, Waiting>();
  /** New keys, applied after the changes, in bounded batches. */
  const added = new Map<string, Waiting>();
  /** Delivery confirmations waiting for the changes delivered before them. */
  const confirmations: Array<{ seq: number; at: number }> = [];
  let inFlight: InFlight | undefined;
  let running = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let resolveLoaded: () => void = () => {};
  const loadedPromise = new Promise<void>((resolve) => {
    resolveLoaded = resolve;
  });

  function kick(): void {
    if (!running && !stopped) void drain();
  }

  function waitingCount(): number {
    return changed.size + added.size;
  }

  /** Every change that arrived up to this number is applied. */
  function appliedThrough(): number {
    let lowest = Math.min(inFlight?.minSeq ?? Number.POSITIVE_INFINITY, gapSeq ?? Number.POSITIVE_INFINITY);
    for (const { seq: s } of changed.values()) if (s < lowest) lowest = s;
    return lowest === Number.POSITIVE_INFINITY ? seq : lowest - 1;
  }

  function prove(at: number): void {
    if (provenAt === undefined || at > provenAt) provenAt = at;
  }

  function settleConfirmations(): void {
    if (index === undefined || confirmations.length === 0) return;
    const through = appliedThrough();
    while (confirmations.length > 0 && (confirmations[0] as { seq: number }).seq <= through)
      prove((confirmations.shift() as { at: number }).at);
  }

  function take(limit: number): Map<string, Waiting> {
    const taken = new Map<string, Waiting>();
    for (const queue of [changed, added]) {
      for (const [id, waiting] of queue) {
        if (taken.size >= limit) return taken;
        taken.set(id, waiting);
        queue.delete(id);
      }
    }
    return taken;
  }

  function putBack(taken: Map<string, Waiting>): void {
    // Notified again meanwhile: the earlier arrival, which this failure left unapplied, is kept.
    for (const [id, waiting] of taken) enqueue(id, waiting);
  }

  function enqueue(id: string, waiting: Waiting): void {
    const again = changed.get(id) ?? added.get(id);
    if (again === undefined) {
      (waiting.added ? added : changed).set(id, waiting);
      return;
    }
    again.at = Math.min(again.at, waiting.at);
    again.seq = Math.min(again.seq, waiting.seq);
    if (again.added && !waiting.added) {
      added.delete(id);
      changed.set(id, { ...again, added: false });
    }
  }

  /** Rejects when `work` has not settled in time; its late answer is then ignored by the caller. */
  function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
      timer.unref();
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /** The oldest change to an existing key among `taken` (new keys hold nothing back). */
  function minSeqOf(taken: Map<string, Waiting>): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const { seq: s, added: isNew } of taken.values()) if (!isNew && s < lowest) lowest = s;
    return lowest;
  }

  async function reload(): Promise<void> {
    reloadWanted = false;
    const closes = gapSeq;
    const startedAt = nowMs();
    // Everything delivered so far committed before this instant, so the snapshot below covers it.
    const covered = take(Number.POSITIVE_INFINITY);
    inFlight = { kind: 'reload', startedAt, ids: covered.size, minSeq: minSeqOf(covered) };
    let abandoned = false;
    // Built aside and swapped in whole: requests never see a half-loaded index.
    const fresh = new KeyIndex();
    try {
      await withDeadline(
        source.loadAll(
          (records) => {
            if (!abandoned) fresh.putAll(records);
          },
          (keys) => fresh.reserve(Math.ceil(keys * (1 + HEADROOM))),
        ),
        loadTimeoutMs * FULL_LOAD_FACTOR,
        'full reload',
      );
    } catch (error) {
      abandoned = true;
      reloadWanted = true;
      putBack(covered);
      throw error;
    } finally {
      inFlight = undefined;
    }
    index = fresh;
    if (gapSeq === closes) gapSeq = undefined;
    prove(startedAt);
    observer?.indexLoaded((nowMs() - startedAt) / 1000);
    logger.info({ keys: index.size, ms: nowMs() - startedAt }, 'authz index loaded');
    resolveLoaded();
  }

  async function update(current: KeyIndex): Promise<void> {
    const taken = take(LOAD_BATCH);
    const ids = [...taken.keys()];
    const inFlightStarted = nowMs();
    inFlight = { kind: 'update', startedAt: inFlightStarted, ids: ids.length, minSeq: minSeqOf(taken) };
    let records: IndexedKeyRecord[];
    try {
      records = await withDeadline(source.loadSome(ids), loadTimeoutMs, `loading ${ids.length} changed keys`);
    } catch (error) {
      // Put back with their first arrival, so the retry applies them and the lag counts the wait.
      putBack(taken);
      throw error;
    } finally {
      inFlight = undefined;
    }
    for (const id of ids) current.remove(id);
    current.putAll(records);
    if (observer !== undefined) {
      const appliedAt = nowMs();
      for (const { at } of taken.values()) observer.invalidationApplied((appliedAt - at) / 1000);
    }
    logger.debug({ keys: ids.length, ms: nowMs() - inFlightStarted }, 'authz index updated');
  }

  async function drain(): Promise<void> {
    running = true;
    try {
      while (!stopped && (reloadWanted || waitingCount() > 0)) {
        if (reloadWanted || index === undefined) await reload();
        else await update(index);
        lastLoadError = undefined;
        settleConfirmations();
      }
    } catch (error) {
      lastLoadError = error instanceof Error ? error.message : String(error);
      logger.warn({ err: error }, 'authz index update failed; retrying');
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        kick();
      }, RETRY_MS);
      retryTimer.unref();
    } finally {
      running = false;
    }
  }

  let reportedStale = false;

  function freshness(at: number): Freshness {
    if (index === undefined || provenAt === undefined) return 'loading';
    const stale = at - provenAt > deps.maxStalenessMs;
    // Never silent: the turn to stale and back is logged once each (asked on every request and readiness probe).
    if (stale !== reportedStale) {
      reportedStale = stale;
      if (stale)
        logger.warn(
          { staleForMs: at - provenAt, reason: reason(at) },
          'authz index not proven current: /authz answers 503',
        );
      else logger.info('authz index current again');
    }
    return stale ? 'stale' : 'fresh';
  }

  function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
  }

  /** What is holding the index back, most specific first. */
  function reason(at: number): string | undefined {
    const parts: string[] = [];
    if (!connected)
      parts.push(`key change channel down${lastChannelError === undefined ? '' : ` (${lastChannelError})`}`);
    if (inFlight?.kind === 'reload') parts.push(`full reload running for ${seconds(at - inFlight.startedAt)}`);
    if (inFlight?.kind === 'update')
      parts.push(
        `applying ${inFlight.ids} key change${inFlight.ids === 1 ? '' : 's'}, running for ${seconds(at - inFlight.startedAt)}`,
      );
    if (waitingCount() > 0) parts.push(`${waitingCount()} key change${waitingCount() === 1 ? '' : 's'} waiting`);
    if (lastLoadError !== undefined) parts.push(`last load failed: ${lastLoadError}`);
    if (parts.length === 0 && provenAt !== undefined && at - provenAt > deps.maxStalenessMs) {
      parts.push(`no confirmation from the database that changes are delivered for ${seconds(at - provenAt)}`);
    }
    return parts.length === 0 ? undefined : parts.join('; ');
  }

  return {
    current: () => index,
    freshness,
    status(at) {
      return {
        freshness: freshness(at),
        keys: index?.size ?? 0,
        staleForMs: provenAt === undefined ? undefined : at - provenAt,
        reason: reason(at),
      };
    },
    start() {
      feed.start({
        onKeysChanged(keyIds, kind) {
          const at = nowMs();
          seq++;
          for (const id of keyIds) {
            // A key this instance already holds is a change whatever the writer said.
            const isNew = kind === 'added' && index?.has(id) !== true;
            enqueue(id, { at, seq, added: isNew });
          }
          kick();
        },
        onCaughtUp(sentAtMs) {
          confirmations.push({ seq, at: sentAtMs });
          settleConfirmations();
        },
        onConnected() {
          if (everConnected) observer?.channelReconnected();
          everConnected = true;
          connected = true;
          gapSeq = ++seq;
          lastChannelError = undefined;
          reloadWanted = true;
          kick();
        },
        onDisconnected(error) {
          if (connected) logger.warn({ err: error }, 'key change channel lost; reconnecting');
          connected = false;
          lastChannelError = error instanceof Error ? error.message : String(error);
        },
      });
    },
    async stop() {
      stopped = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      await feed.stop();
    },
    loaded: () => loadedPromise,
  };
}
