import { z } from 'zod';
import { optionalString } from './fields.ts';

/** Harvest v3 clients: how long an access token lasts, and the issuer it names. */
export const oauthSettings = {
  OAUTH_TOKEN_TTL: z.coerce
    .number({ error: 'a number of seconds, e.g. 3600' })
    .int('a whole number of seconds')
    .min(60, 'at least 60 seconds')
    .max(3600, 'at most 3600 seconds (one hour, as Harvest v3 tokens)')
    .default(3600),
  OAUTH_ISSUER: optionalString.pipe(
    z
      .url({ protocol: /^https?$/, error: 'an http(s) URL without query or fragment, e.g. https://api.example.com' })
      .refine((v) => !/[?#]/.test(v), 'no query or fragment')
      .optional(),
  ),
};

export type OAuthEnv = z.output<z.ZodObject<typeof oauthSettings>>;

export interface OAuthConfig {
  tokenTtlSeconds: number;
  issuer: string | undefined;
}

export function oauthConfig(env: OAuthEnv): OAuthConfig {
  return { tokenTtlSeconds: env.OAUTH_TOKEN_TTL, issuer: env.OAUTH_ISSUER?.replace(/\/+$/, '') };
}
