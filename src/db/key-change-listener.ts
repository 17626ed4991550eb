import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { KeyChangeEvents, KeyChangeFeed } from '../authz/ports.ts';
import { KEY_CHANGES_CHANNEL, parseKeyChangePayload } from './store.ts';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;
/** Beats a query may stay unanswered before the connection counts as lost. */
const MISSED_BEATS = 3;

/**
 * LISTEN on a connection of its own, reconnecting with backoff for as long as it runs. postgres.js' built-in
 * `listen` re-listens once after a close but gives up silently if that attempt fails, and does not say when the
 * channel is down; enforcement needs both, so the connection is managed here.
 *
 * The heartbeat is a NOTIFY to a channel only this listener hears. PostgreSQL delivers notifications in commit
 * order, so when the beat sent at `t` comes back, every change committed before `t` has been delivered: that is
 * `onCaughtUp(t)`, the proof freshness is measured from. A beat whose query stays unanswered means a connection that
 * died without the socket closing.
 */
export function createKeyChangeListener(url: string, options: { heartbeatMs: number }): KeyChangeFeed {
  const syncChannel = `harvest_keys_sync_${randomBytes(6).toString('hex')}`;
  let stopped = false;
  let client: postgres.Sql | undefined;
  let retryMs = FIRST_RETRY_MS;
  let retryTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  return {
    start(events: KeyChangeEvents) {
      const connect = async () => {
        retryTimer = undefined;
        if (stopped) return;
        let lost = false;
        /** Beat number → when it was sent (this instance's clock, read before the NOTIFY commits). */
        const beatsSent = new Map<number, number>();
        let beats = 0;
        const connection: postgres.Sql = postgres(url, {
          max: 1,
          idle_timeout: 0,
          max_lifetime: null,
          connect_timeout: 5,
          fetch_types: false,
          onnotice: () => {},
          onclose: () => disconnected(new Error('connection closed')),
          // Not in postgres.js' published types, but the option `listen` itself relies on.
          ...({
            onnotify: (channel: string, payload: string) => {
              if (channel === KEY_CHANGES_CHANNEL) {
                const { keyIds, kind } = parseKeyChangePayload(payload);
                if (keyIds.length > 0) events.onKeysChanged(keyIds, kind);
              } else if (channel === syncChannel && !lost) {
                const beat = Number(payload);
                const sentAt = beatsSent.get(beat);
                if (sentAt === undefined) return;
                for (const n of beatsSent.keys()) if (n <= beat) beatsSent.delete(n);
                events.onCaughtUp(sentAt);
              }
            },
          } as object),
        });
        const disconnected = (error: unknown) => {
          if (lost || stopped) return;
          lost = true;
          if (heartbeat !== undefined) clearInterval(heartbeat);
          heartbeat = undefined;
          if (client === connection) client = undefined;
          connection.end({ timeout: 0 }).catch(() => {});
          events.onDisconnected(error);
          retryTimer = setTimeout(() => void connect(), retryMs);
          retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
        };
        client = connection;
        try {
          await connection.unsafe(`listen "${KEY_CHANGES_CHANNEL}"`);
          await connection.unsafe(`listen "${syncChannel}"`);
        } catch (error) {
          disconnected(error);
          return;
        }
        if (stopped || lost) return;
        retryMs = FIRST_RETRY_MS;
        // A connection cut without a FIN/RST leaves queries hanging, not failing: a beat unanswered for a few
        // intervals counts as lost (freshness does not wait for that: it is measured from the last beat back).
        let unansweredSince: number | undefined;
        const beat = () => {
          if (unansweredSince !== undefined) {
            if (Date.now() - unansweredSince > MISSED_BEATS * options.heartbeatMs) {
              disconnected(new Error(`no answer to a heartbeat within ${MISSED_BEATS * options.heartbeatMs} ms`));
            }
            return;
          }
          const n = ++beats;
          const sentAt = Date.now();
          unansweredSince = sentAt;
          beatsSent.set(n, sentAt);
          // Bounded even if beats were answered but never came back.
          if (beatsSent.size > 100) beatsSent.delete(beatsSent.keys().next().value as number);
          connection`select pg_notify(${syncChannel}, ${String(n)})`.then(() => {
            unansweredSince = undefined;
          }, disconnected);
        };
        heartbeat = setInterval(beat, options.heartbeatMs);
        heartbeat.unref();
        events.onConnected();
        beat();
      };
      void connect();
    },
    async stop() {
      stopped = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      if (heartbeat !== undefined) clearInterval(heartbeat);
      await client?.end({ timeout: 1 }).catch(() => {});
    },
  };
}
