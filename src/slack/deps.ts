import type { UsageReader } from '../authz/usage-summary.ts';
import type { Catalog } from '../catalog/types.ts';
import type { KeyService } from '../keys/key-service.ts';
import type { Logger } from '../logger.ts';
import type { PartnerService } from '../partners/partner-service.ts';
import type { RoleService } from '../roles/role-service.ts';
import type { Clock } from '../shared/store.ts';

/** The services Slack code may use: it never reaches the database any other way. */
export interface SlackServices {
  catalog: Catalog;
  keys: KeyService;
  partners: PartnerService;
  roles: RoleService;
  /** From the enforcement side (issue 3); without it the app falls back to the key's own last-used time. */
  usage: UsageReader | undefined;
}

export interface SlackDeps {
  services: SlackServices;
  logger: Logger;
  /** The slash command as configured (SLACK_COMMAND), shown in help and hints. */
  command: string;
  now: Clock;
}

/** The Runtime's services as Slack sees them; `usage` arrives with the enforcement side and is optional until then. */
export function servicesFromRuntime(runtime: {
  catalog: Catalog;
  keys: KeyService;
  partners: PartnerService;
  roles: RoleService;
  usage?: UsageReader;
}): SlackServices {
  return { catalog: runtime.catalog, keys: runtime.keys, partners: runtime.partners, roles: runtime.roles, usage: runtime.usage };
}
