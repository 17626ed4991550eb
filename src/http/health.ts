import type { Sql } from '../db/client.ts';
import { pendingMigrations } from '../db/migrate.ts';

export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

export function databaseReadiness(sql: Sql, expectedMigrations: number): ReadinessCheck {
  return {
    name: 'database',
    async check() {
      try {
        const pending = await pendingMigrations(sql, expectedMigrations);
        return pending === 0 ? { ok: true } : { ok: false, detail: `${pending} migration(s) not applied` };
      } catch (error) {
        return { ok: false, detail: `unreachable: ${(error as { code?: string }).code ?? (error as Error).message}` };
      }
    },
  };
}
