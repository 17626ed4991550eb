import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Secrets must never reach a log line. Redaction is a second line of defence: code does not log secrets on purpose,
 * but headers and config objects are easy to log by accident.
 */
const SECRET_FIELDS = [
  'secret',
  'key',
  'pepper',
  'keyPepper',
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'passphrase',
  'password',
  'privateKey',
  'privateArmored',
  'authorization',
  'cookie',
];
const redactPaths = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  ...SECRET_FIELDS.map((field) => `*.*.${field}`),
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
  'req.headers["x-api-key"]',
  'headers["proxy-authorization"]',
  '*.headers["proxy-authorization"]',
];

/**
 * Values that are secrets whatever field or message they sit in: Slack tokens (xoxb-, xoxp-, xapp-, …), Bearer and
 * Basic credentials, PGP private key blocks. Applied to message strings; fields are covered by the paths above.
 */
const SECRET_SHAPED = [
  /\bx(?:ox[abpre]|app)-[0-9A-Za-z-]{6,}/g,
  // Not Slack's "Basic Information" page, which log lines name as the place to find a token.
  /\b(Bearer|Basic)\s+(?!Information\b)[A-Za-z0-9+/=._~-]{8,}/gi,
  /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]*?(-----END PGP PRIVATE KEY BLOCK-----|$)/g,
];

export function scrubSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_SHAPED)
    out = out.replace(pattern, (_match, scheme?: string) =>
      typeof scheme === 'string' && /^(bearer|basic)$/i.test(scheme) ? `${scheme} [redacted]` : '[redacted]',
    );
  return out;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'harvest-keys' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++) {
            const arg = args[i];
            if (typeof arg === 'string') args[i] = scrubSecrets(arg);
            else if (arg instanceof Error && typeof arg.message === 'string') {
              const scrubbed = scrubSecrets(arg.message);
              if (scrubbed !== arg.message)
                args[i] = Object.assign(new Error(scrubbed), {
                  name: arg.name,
                  code: (arg as { code?: unknown }).code,
                });
            }
          }
          method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
