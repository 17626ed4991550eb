import type { ApprovalService } from '../approvals/approval-service.ts';
import type { UsageReader } from '../authz/usage-summary.ts';
import type { Catalog } from '../catalog/types.ts';
import type { DeliveryService } from '../delivery/delivery-service.ts';
import type { ServiceSigningKey } from '../delivery/service-key.ts';
import type { DirectMessenger } from '../delivery/types.ts';
import type { KeyService } from '../keys/key-service.ts';
import type { Logger } from '../logger.ts';
import type { PartnerPgpService } from '../partners/partner-pgp-service.ts';
import type { PartnerService } from '../partners/partner-service.ts';
import type { RoleService } from '../roles/role-service.ts';
import type { Clock } from '../shared/clock.ts';
import type { SeenSignatures } from './replay-guard.ts';

/** The services Slack code may use: it never reaches the database any other way. */
export interface SlackServices {
  catalog: Catalog;
  keys: KeyService;
  partners: PartnerService;
  roles: RoleService;
  /** From the enforcement side (issue 3); without it the app falls back to the key's own last-used time. */
  usage: UsageReader | undefined;
  /** The four-eyes rule: held actions go here instead of to `keys`. */
  approvals: ApprovalService;
  /** Partners' PGP keys (issue 5); without it the partner dialogs show no PGP section. */
  partnerPgp?: PartnerPgpService | undefined;
  /** The key that signs deliveries, for `/harvest-keys pubkey`. */
  serviceKey?:
    | { get(): Promise<Pick<ServiceSigningKey, 'fingerprint' | 'formattedFingerprint' | 'publicArmored'>> }
    | undefined;
  /** Builds the delivery service around the app's own DM sender; without it keys are only ever shown once. */
  createDelivery?: ((messenger: DirectMessenger) => DeliveryService) | undefined;
  /** DELIVERY_CONFIRM_HOURS, named on the App Home flag. */
  deliveryConfirmHours?: number | undefined;
  /** Signatures of requests already acted on, shared by every instance: a signed request runs once. */
  seenSignatures: SeenSignatures;
}

export interface SlackDeps {
  services: SlackServices;
  logger: Logger;
  /** The slash command as configured (SLACK_COMMAND), shown in help and hints. */
  command: string;
  now: Clock;
  /** Encrypted hand-over to partner contacts; undefined when the services cannot deliver. */
  delivery?: DeliveryService | undefined;
}

/** The Runtime's services as Slack sees them; `usage` arrives with the enforcement side and is optional until then. */
export function servicesFromRuntime(runtime: {
  catalog: Catalog;
  keys: KeyService;
  partners: PartnerService;
  roles: RoleService;
  usage?: UsageReader;
  approvals: ApprovalService;
  partnerPgp?: PartnerPgpService;
  serviceKey?: SlackServices['serviceKey'];
  createDeliveryService?: (messenger: DirectMessenger) => DeliveryService;
  config?: { deliveryConfirmHours: number };
  slackSignatures: SeenSignatures;
}): SlackServices {
  return {
    catalog: runtime.catalog,
    keys: runtime.keys,
    partners: runtime.partners,
    roles: runtime.roles,
    usage: runtime.usage,
    approvals: runtime.approvals,
    partnerPgp: runtime.partnerPgp,
    serviceKey: runtime.serviceKey,
    createDelivery: runtime.createDeliveryService,
    deliveryConfirmHours: runtime.config?.deliveryConfirmHours,
    seenSignatures: runtime.slackSignatures,
  };
}
