import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../logger.ts';

/**
 * Bolt and the Web API client log through the service's pino logger, so their lines are JSON with the same
 * redaction. Their debug output goes to pino's trace level, except Bolt's ack lines: in Socket Mode they print the
 * acknowledgement body, and the show-once view (the secret) is such a body.
 */
export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'slack' });
  const join = (parts: unknown[]) => parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : JSON.stringify(p))).join(' ');
  return {
    debug: (...msg) => {
      const line = join(msg);
      if (!line.startsWith('ack()')) child.trace(line);
    },
    info: (...msg) => child.info(join(msg)),
    warn: (...msg) => child.warn(join(msg)),
    error: (...msg) => child.error(join(msg)),
    setLevel: () => {},
    getLevel: () => LogLevel.DEBUG,
    setName: () => {},
  };
}
