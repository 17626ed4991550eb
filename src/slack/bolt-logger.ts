import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../logger.ts';

/**
 * Debug lines that print whole Slack payloads: Bolt's ack bodies (Socket Mode) and the Web API client's request and
 * result bodies. The show-once view (the secret) is such a payload, so these are never logged at any level.
 */
const PAYLOAD_LINES = /^(ack\(\)|http request body|http request result)/;
/** Anything shaped like an issued key (`<prefix>_` + 38 base62), in case a payload reaches a log line another way. */
const KEY_SHAPED = /\b[a-z][a-z0-9]{1,9}_[0-9A-Za-z]{38}\b/g;

/**
 * Bolt and the Web API client log through the service's pino logger, so their lines are JSON with the same
 * redaction. Their debug output goes to pino's trace level.
 */
export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'slack' });
  const join = (parts: unknown[]) =>
    parts
      .map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : JSON.stringify(p)))
      .join(' ')
      .replace(KEY_SHAPED, '[redacted key]');
  return {
    debug: (...msg) => {
      const line = join(msg);
      if (!PAYLOAD_LINES.test(line)) child.trace(line);
    },
    info: (...msg) => child.info(join(msg)),
    warn: (...msg) => child.warn(join(msg)),
    error: (...msg) => child.error(join(msg)),
    setLevel: () => {},
    getLevel: () => LogLevel.DEBUG,
    setName: () => {},
  };
}
