import { createHmac } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** What the Standard Webhooks libraries accept: 24 to 64 random bytes. */
export const SECRET_BYTES = { min: 24, max: 64 } as const;

/** The HMAC key of a `whsec_<base64>` secret, or undefined when the text is not one. */
export function parseWebhookSecret(secret: string): Buffer | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return undefined;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length >= SECRET_BYTES.min && key.length <= SECRET_BYTES.max ? key : undefined;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, the Standard Webhooks signature. */
export function signWebhook(key: Buffer, messageId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * The headers of one attempt. The timestamp is the attempt's, not the event's: receivers refuse a timestamp more
 * than a few minutes off, and a retry may come hours later. The id stays the same, so receivers can deduplicate.
 */
export function webhookHeaders(key: Buffer, messageId: string, at: Date, body: string): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(key, messageId, timestamp, body),
  };
}
