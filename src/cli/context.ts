import type { Stdin } from './command.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { UsageReader } from '../authz/usage-summary.ts';
import type { Catalog } from '../catalog/types.ts';
import type { ServiceSigningKey } from '../delivery/service-key.ts';
import type { createKeyImporter } from '../keys/import-keys.ts';
import type { InsightsService } from '../keys/insights.ts';
import type { KeyService } from '../keys/key-service.ts';
import type { PartnerPgpService } from '../partners/partner-pgp-service.ts';
import type { PartnerService } from '../partners/partner-service.ts';
import type { RoleService } from '../roles/role-service.ts';

/** The services a CLI command may use, opened by the composition root (src/compose.ts) and closed after the run. */
export interface CliRuntime {
  catalog: Catalog;
  keys: KeyService;
  importKeys: ReturnType<typeof createKeyImporter>;
  partners: PartnerService;
  roles: RoleService;
  partnerPgp: PartnerPgpService;
  serviceKey: { get(): Promise<ServiceSigningKey> };
  usage: UsageReader;
  audit: Pick<AuditService, 'events'>;
  insights: InsightsService;
  close(): Promise<void>;
}

export interface CliContext {
  runtime: CliRuntime;
  actor: string;
  out(text: string): void;
  /** A warning for the person at the terminal (stderr): never mixed into `--json` output. */
  warn(text: string): void;
  /**
   * Resolves once the output has room again (false: nobody reads it any more): a long stream waits here instead of
   * buffering in memory, and stops when its reader has gone.
   */
  drain?(): Promise<boolean>;
  /** The process's standard input when absent. */
  stdin?: Stdin | undefined;
}
