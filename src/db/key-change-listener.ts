import postgres from 'postgres';
import type { KeyChangeEvents, KeyChangeFeed } from '../authz/ports.ts';
import { KEY_CHANGES_CHANNEL } from './store.ts';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

/**
 * LISTEN on a connection of its own, reconnecting with backoff for as long as it runs. postgres.js' built-in
 * `listen` re-listens once after a close but gives up silently if that attempt fails, and does not say when the
 * channel is down; enforcement needs both, so the connection is managed here. A heartbeat query catches a
 * connection that died without the socket closing.
 */
export function createKeyChangeListener(url: string, options: { heartbeatMs: number }): KeyChangeFeed {
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
              if (channel === KEY_CHANGES_CHANNEL && payload !== '') events.onKeyChanged(payload);
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
        } catch (error) {
          disconnected(error);
          return;
        }
        if (stopped || lost) return;
        retryMs = FIRST_RETRY_MS;
        // A connection cut without a FIN/RST leaves queries hanging, not failing: an unanswered beat counts as lost.
        let beating = false;
        heartbeat = setInterval(() => {
          if (beating) return disconnected(new Error(`no answer to a heartbeat within ${options.heartbeatMs} ms`));
          beating = true;
          connection`select 1`.then(() => {
            beating = false;
          }, disconnected);
        }, options.heartbeatMs);
        heartbeat.unref();
        events.onConnected();
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
