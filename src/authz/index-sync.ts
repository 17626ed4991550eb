import type { Logger } from '../logger.ts';
import { KeyIndex } from './key-index.ts';
import type { AuthzObserver, KeyChangeFeed, KeyIndexSource } from './ports.ts';

export type Freshness = 'fresh' | 'loading' | 'stale';

export interface IndexSync {
  /** The current index, or undefined until the first full load. */
  current(): KeyIndex | undefined;
  /**
   * `stale` once changes may have been missed for longer than the bound: the channel has been down, or a change
   * could not be applied, for more than `maxStalenessMs`.
   */
  freshness(nowMs: number): Freshness;
  /** For /readyz and logs. */
  status(nowMs: number): { freshness: Freshness; keys: number; staleForMs: number | undefined };
  start(): void;
  stop(): Promise<void>;
  /** Resolves after the first full load (tests, benchmarks). */
  loaded(): Promise<void>;
}

const RETRY_MS = 500;

/**
 * Keeps the index current: a full load whenever LISTEN is (re)established (changes may have been missed while it
 * was down), and per-key reloads for each NOTIFY. Work runs one step at a time; notifications that arrive during a
 * full load are applied after it, so none is lost.
 */
export function createIndexSync(deps: {
  source: KeyIndexSource;
  feed: KeyChangeFeed;
  maxStalenessMs: number;
  logger: Logger;
  observer?: AuthzObserver | undefined;
  nowMs?: () => number;
}): IndexSync {
  const { source, feed, logger, observer } = deps;
  const nowMs = deps.nowMs ?? Date.now;
  let index: KeyIndex | undefined;
  let connected = false;
  let downSince: number | undefined = nowMs();
  let unappliedSince: number | undefined;
  let reloadWanted = false;
  /** Key ids to reload, with when their NOTIFY arrived (the invalidation lag metric). */
  const pending = new Map<string, number>();
  let everConnected = false;
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

  async function drain(): Promise<void> {
    running = true;
    try {
      while (!stopped && (reloadWanted || pending.size > 0)) {
        if (reloadWanted || index === undefined) {
          reloadWanted = false;
          const wasConnected = connected;
          pending.clear();
          const started = nowMs();
          // Built aside and swapped in whole: requests never see a half-loaded index.
          const fresh = new KeyIndex();
          await source.loadAll((records) => {
            for (const record of records) fresh.put(record);
          });
          index = fresh;
          observer?.indexLoaded((nowMs() - started) / 1000);
          if (wasConnected && connected) downSince = undefined;
          logger.info({ keys: index.size, ms: nowMs() - started }, 'authz index loaded');
          resolveLoaded();
        } else {
          const received = [...pending];
          const ids = received.map(([id]) => id);
          pending.clear();
          let records: Awaited<ReturnType<KeyIndexSource['loadSome']>>;
          try {
            records = await source.loadSome(ids);
          } catch (error) {
            // Put back, keeping the first arrival time, so the retry applies them and the lag counts the wait.
            for (const [id, at] of received) if (!pending.has(id)) pending.set(id, at);
            throw error;
          }
          const current = index;
          for (const id of ids) current.remove(id);
          for (const record of records) current.put(record);
          if (observer !== undefined) {
            const appliedAt = nowMs();
            for (const [, at] of received) observer.invalidationApplied((appliedAt - at) / 1000);
          }
          logger.debug({ keyIds: ids }, 'authz index updated');
        }
      }
      unappliedSince = undefined;
    } catch (error) {
      // Changes not yet applied make the index stale from now on; retry until they are.
      unappliedSince ??= nowMs();
      logger.warn({ err: error }, 'authz index update failed; retrying');
      if (index === undefined) reloadWanted = true;
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        kick();
      }, RETRY_MS);
      retryTimer.unref();
    } finally {
      running = false;
    }
  }

  function staleSince(): number | undefined {
    if (downSince === undefined) return unappliedSince;
    if (unappliedSince === undefined) return downSince;
    return Math.min(downSince, unappliedSince);
  }

  function freshness(at: number): Freshness {
    if (index === undefined) return 'loading';
    const since = staleSince();
    return since !== undefined && at - since > deps.maxStalenessMs ? 'stale' : 'fresh';
  }

  return {
    current: () => index,
    freshness,
    status(at) {
      const since = staleSince();
      return { freshness: freshness(at), keys: index?.size ?? 0, staleForMs: since === undefined ? undefined : at - since };
    },
    start() {
      feed.start({
        onKeyChanged(keyId) {
          if (!pending.has(keyId)) pending.set(keyId, nowMs());
          kick();
        },
        onConnected() {
          if (everConnected) observer?.channelReconnected();
          everConnected = true;
          connected = true;
          reloadWanted = true;
          kick();
        },
        onDisconnected(error) {
          if (connected) logger.warn({ err: error }, 'key change channel lost; reconnecting');
          connected = false;
          downSince ??= nowMs();
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
