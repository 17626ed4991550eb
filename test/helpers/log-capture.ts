import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.ts';

const captured: string[][] = [];
/** Every log captured in this test process so far (the suite-wide secret check reads them after each file). */
export function capturedLogs(): string {
  return captured.map((lines) => lines.join('')).join('');
}

/** A real pino logger whose output is kept, so tests can search every line for secrets. */
export function captureLogs(level = 'trace'): { logger: Logger; lines: string[]; text(): string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  captured.push(lines);
  return { logger: createLogger(level, stream), lines, text: () => lines.join('') };
}
