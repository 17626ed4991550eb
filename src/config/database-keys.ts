import path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../project-root.ts';
import { optionalString, port } from './fields.ts';

/** Where the data lives, how keys are made and how long they last, and the key that signs deliveries. */
export const databaseKeysSettings = {
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a PostgreSQL URL, e.g. postgres://user:pass@host:5432/db')
      .optional(),
  ),
  DATA_DIR: optionalString.transform((value) => value ?? './data'),
  EMBEDDED_PG_PORT: port(54329),
  KEY_PEPPER: optionalString.pipe(
    z.string().min(32, 'at least 32 characters of random data, e.g. `openssl rand -base64 48`').optional(),
  ),
  KEY_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,9}$/, '2–10 lowercase letters or digits starting with a letter, e.g. hk')
    .default('hk'),
  LEGACY_CUTOFF: z.iso.date('a date as YYYY-MM-DD, e.g. 2017-01-18').default('2017-01-18'),
  CATALOG_FILE: optionalString,
  KEY_MAX_LIFETIME_DAYS: optionalString.pipe(
    z.coerce
      .number<string | undefined>({ error: 'a number of days, e.g. 365' })
      .int('a whole number of days')
      .min(1, 'at least 1 day')
      .max(36_500, 'at most 36500 days')
      .optional(),
  ),
  LEGACY_KEYS_EXPIRE_AT: optionalString.pipe(
    z.iso.datetime({ offset: true, error: 'an ISO date-time, e.g. 2027-06-30T00:00:00Z' }).optional(),
  ),
  SERVICE_PGP_PRIVATE_KEY: optionalString.pipe(
    z
      .string()
      .regex(
        /-----BEGIN PGP PRIVATE KEY BLOCK-----/,
        'an armored OpenPGP private key (-----BEGIN PGP PRIVATE KEY BLOCK-----…)',
      )
      .optional(),
  ),
  // Not trimmed: spaces may be part of a passphrase.
  SERVICE_PGP_PASSPHRASE: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
  DELIVERY_CONFIRM_HOURS: z.coerce
    .number({ error: 'a number of hours, e.g. 72' })
    .int('a whole number of hours')
    .min(1, 'at least 1 hour')
    .max(8760, 'at most 8760 hours (a year)')
    .default(72),
};

export type DatabaseKeysEnv = z.output<z.ZodObject<typeof databaseKeysSettings>>;

export interface DatabaseKeysConfig {
  database: { url: string; kind: 'external' } | { kind: 'embedded'; port: number };
  dataDir: string;
  keyPepper: string | undefined;
  keyPrefix: string;
  legacyCutoff: Date;
  /** KEY_MAX_LIFETIME_DAYS (null: no maximum) and LEGACY_KEYS_EXPIRE_AT (null: legacy keys keep their own expiry). */
  expiry: { maxLifetimeDays: number | null; legacyKeysExpireAt: Date | null };
  catalogFile: string | undefined;
  /** The key that signs deliveries: supplied, or generated once in DATA_DIR. */
  servicePgp: { privateKey: string | undefined; passphrase: string | undefined };
  deliveryConfirmHours: number;
}

/** Checked outside the schema so it is reported together with every other problem, not after they are fixed. */
export function pepperProblems(blank: (name: string) => boolean): string[] {
  return !blank('DATABASE_URL') && blank('KEY_PEPPER')
    ? [
        'KEY_PEPPER is missing: expected at least 32 random characters, required when DATABASE_URL is set, kept outside the database',
      ]
    : [];
}

export function databaseKeysConfig(env: DatabaseKeysEnv): DatabaseKeysConfig {
  return {
    database:
      env.DATABASE_URL === undefined
        ? { kind: 'embedded', port: env.EMBEDDED_PG_PORT }
        : { kind: 'external', url: env.DATABASE_URL },
    // Relative to the project, not the current folder: run from elsewhere, the CLI must find the same data and pepper.
    dataDir: path.resolve(PROJECT_ROOT, env.DATA_DIR),
    keyPepper: env.KEY_PEPPER,
    keyPrefix: env.KEY_PREFIX,
    legacyCutoff: new Date(`${env.LEGACY_CUTOFF}T00:00:00Z`),
    expiry: {
      maxLifetimeDays: env.KEY_MAX_LIFETIME_DAYS ?? null,
      legacyKeysExpireAt: env.LEGACY_KEYS_EXPIRE_AT === undefined ? null : new Date(env.LEGACY_KEYS_EXPIRE_AT),
    },
    catalogFile: env.CATALOG_FILE === undefined ? undefined : path.resolve(env.CATALOG_FILE),
    servicePgp: { privateKey: env.SERVICE_PGP_PRIVATE_KEY, passphrase: env.SERVICE_PGP_PASSPHRASE },
    deliveryConfirmHours: env.DELIVERY_CONFIRM_HOURS,
  };
}
