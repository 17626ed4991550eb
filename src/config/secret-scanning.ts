import { z } from 'zod';
import { optionalString } from './fields.ts';

/** Where GitHub publishes the keys that sign its secret scanning reports. */
export const GITHUB_SECRET_SCANNING_KEYS_URL = 'https://api.github.com/meta/public_keys/secret_scanning';

export const secretScanningSettings = {
  SECRET_SCANNING_KEYS_URL: optionalString.pipe(
    z
      .url({
        protocol: /^https?$/,
        error:
          "an http(s) URL of GitHub's secret scanning public keys, e.g. https://api.github.com/meta/public_keys/secret_scanning",
      })
      .optional(),
  ),
  SECRET_SCANNING_ACTION: z
    .string()
    .default('revoke')
    .transform((value) => value.trim().toLowerCase() || 'revoke')
    .pipe(
      z.enum(['revoke', 'alert'], {
        error: 'revoke (a reported key is revoked at once, then announced) or alert (announced only)',
      }),
    ),
};

export type SecretScanningEnv = z.output<z.ZodObject<typeof secretScanningSettings>>;

export interface SecretScanningConfig {
  /**
   * GitHub secret scanning reports (`POST /secret-scanning/github`): where GitHub publishes the keys that sign them,
   * and what happens to a key of ours found in public (revoked at once, or only announced).
   */
  secretScanning: { keysUrl: string; action: 'revoke' | 'alert' };
}

export function secretScanningConfig(env: SecretScanningEnv): SecretScanningConfig {
  return {
    secretScanning: {
      keysUrl: env.SECRET_SCANNING_KEYS_URL ?? GITHUB_SECRET_SCANNING_KEYS_URL,
      action: env.SECRET_SCANNING_ACTION,
    },
  };
}
