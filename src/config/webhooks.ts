import { z } from 'zod';
import { parseWebhookSecret } from '../webhooks/signature.ts';
import { optionalString } from './fields.ts';

export const webhookSettings = {
  WEBHOOK_URL: optionalString.pipe(
    z
      .url({
        protocol: /^https?$/,
        error: 'an http(s) URL of the receiver, e.g. https://siem.example.com/hooks/harvest-keys',
      })
      // fetch refuses such a URL, and its error would carry the password into the logs.
      .refine((value) => !/^https?:\/\/[^/?#]*@/i.test(value), 'a URL without user:password@ (put a token in its path)')
      .optional(),
  ),
  // Never echoed: the message says only what shape is expected.
  WEBHOOK_SECRET: optionalString.pipe(
    z
      .string()
      .refine(
        (value) => parseWebhookSecret(value) !== undefined,
        'whsec_ followed by the base64 of 24 to 64 random bytes, e.g. whsec_$(openssl rand -base64 32)',
      )
      .optional(),
  ),
};

export type WebhookEnv = z.output<z.ZodObject<typeof webhookSettings>>;

export interface WebhookConfig {
  /** Standard Webhooks receiver of every key, partner and approval event; unset: no events are written or sent. */
  webhooks: { url: string; secret: string } | undefined;
}

/** A receiver without a secret could not check a signature, and a secret without a receiver is a forgotten URL. */
export function webhookCombinationProblems(blank: (name: string) => boolean): string[] {
  if (!blank('WEBHOOK_URL') && blank('WEBHOOK_SECRET'))
    return ['WEBHOOK_SECRET is missing: expected the whsec_… signing secret with WEBHOOK_URL (both or neither)'];
  if (blank('WEBHOOK_URL') && !blank('WEBHOOK_SECRET'))
    return ['WEBHOOK_URL is missing: expected the receiver URL with WEBHOOK_SECRET (both or neither)'];
  return [];
}

export function webhookConfig(env: WebhookEnv): WebhookConfig {
  return {
    webhooks:
      env.WEBHOOK_URL === undefined || env.WEBHOOK_SECRET === undefined
        ? undefined
        : { url: env.WEBHOOK_URL, secret: env.WEBHOOK_SECRET },
  };
}
