import { z } from 'zod';

/** Settings of the process as a whole: which environment it runs in, and how much it logs. */
export const processSettings = {
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { error: 'one of development, production, test' })
    .default('development'),
  LOG_LEVEL: z
    .string()
    .default('info')
    .transform((value) => value.trim().toLowerCase())
    .pipe(
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'one of fatal, error, warn, info, debug, trace, silent',
      }),
    ),
};

export type ProcessEnv = z.output<z.ZodObject<typeof processSettings>>;
