import { z } from 'zod';

export const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

export const portNumber = () =>
  z.coerce
    .number<string | undefined>({ error: 'a TCP port number, e.g. 3001' })
    .int('a whole number')
    .min(0, 'a port from 0 to 65535')
    .max(65535, 'a port from 0 to 65535');
export const port = (fallback: number) => portNumber().default(fallback);

/** Unset (blank) means "the default for this database mode": loopback on a developer machine, every interface otherwise. */
export const host = optionalString.pipe(
  z
    .union([z.ipv4(), z.ipv6(), z.hostname()], { error: 'an IP address or host name, e.g. 127.0.0.1 or 0.0.0.0' })
    .optional(),
);
