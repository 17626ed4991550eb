import type { Clock } from '../shared/clock.ts';
import { webhookHeaders } from './signature.ts';
import type { SendResult, WebhookSender } from './types.ts';

/** Why an attempt failed, in words safe to log and store: never the URL (it may carry credentials). */
function failureReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}

/**
 * POSTs each message to the receiver, signed per Standard Webhooks. A 2xx is delivered; anything else (another
 * status, a redirect, a refused connection, no answer within `timeoutMs`) is a failed attempt to retry.
 */
export function createHttpWebhookSender(options: {
  url: string;
  key: Buffer;
  timeoutMs: number;
  /** The wall clock for `webhook-timestamp`, which receivers compare with their own. */
  clock?: Clock;
}): WebhookSender {
  const clock = options.clock ?? (() => new Date());
  return {
    async send({ messageId, body }): Promise<SendResult> {
      try {
        const response = await fetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'harvest-keys-webhooks',
            ...webhookHeaders(options.key, messageId, clock(), body),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        // The receiver's answer is not read, only released.
        await response.body?.cancel().catch(() => {});
        return response.status >= 200 && response.status < 300
          ? { ok: true }
          : { ok: false, reason: `HTTP ${response.status}` };
      } catch (error) {
        return { ok: false, reason: failureReason(error, options.timeoutMs) };
      }
    },
  };
}
