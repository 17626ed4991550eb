import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Secrets must never reach a log line. Redaction is a second line of defence: code does not log secrets on purpose,
 * but headers and config objects are easy to log by accident.
 */
const redactPaths = [
  'secret',
  '*.secret',
  'key',
  '*.key',
  'pepper',
  '*.pepper',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers["x-api-key"]',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'harvest-keys' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
