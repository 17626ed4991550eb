import type { ApprovalService } from '../approvals/approval-service.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { UsageReader } from '../authz/usage-summary.ts';
import type { Catalog } from '../catalog/types.ts';
import type { DeliveryService } from '../delivery/delivery-service.ts';
import type { ServiceSigningKey } from '../delivery/service-key.ts';
import type { DirectMessenger } from '../delivery/types.ts';
import type { AttentionService } from '../keys/attention.ts';
import type { InsightsService } from '../keys/insights.ts';
import type { KeyService } from '../keys/key-service.ts';
import type { Logger } from '../logger.ts';
import type { PartnerPgpService } from '../partners/partner-pgp-service.ts';
import type { PartnerService } from '../partners/partner-service.ts';
import type { RoleService } from '../roles/role-service.ts';
import type { AlertClaims } from '../shared/alert-claims.ts';
import type { Clock } from '../shared/clock.ts';
import type { SeenSignatures } from './replay-guard.ts';

/** The services Slack code may use, all built by the composition root (src/compose.ts): it never reaches the database any other way. */
export interface SlackServices {
  catalog: Catalog;
  keys: KeyService;
  partners: PartnerService;
  roles: RoleService;
  /** What /authz recorded per key: usage shown before a change that could break an integration. */
  usage: UsageReader;
  /** A key's recent audit events, for its History view. */
  audit: Pick<AuditService, 'history'>;
  /** Usage per endpoint for the key view, and the trim and legacy-migration plans its buttons review. */
  insights: InsightsService;
  /** The four-eyes rule: held actions go here instead of to `keys`. */
  approvals: ApprovalService;
  /** Partners' PGP keys, for the partner dialogs. */
  partnerPgp: PartnerPgpService;
  /** The key that signs deliveries, for `/harvest-keys pubkey`. */
  serviceKey: { get(): Promise<Pick<ServiceSigningKey, 'fingerprint' | 'formattedFingerprint' | 'publicArmored'>> };
  /** Builds the delivery service around the app's own DM sender (the app's client exists only once it is made). */
  createDelivery(messenger: DirectMessenger): DeliveryService;
  /** OAUTH_ISSUER (unset: the gateway's address is left for the reader), for the "get a token" hint beside a client. */
  oauthIssuer: string | undefined;
  /** DELIVERY_CONFIRM_HOURS, named on the App Home flag. */
  deliveryConfirmHours: number;
  /** Signatures of requests already acted on, shared by every instance: a signed request runs once. */
  seenSignatures: SeenSignatures;
  /** ALERTS_CHANNEL (unset: alerts are only logged). */
  alertsChannel: string | undefined;
  /** "Sent once" for alerts, shared by every instance. */
  alertClaims: AlertClaims;
  /** EXPIRY_REMINDER_DAYS, farthest first (empty: no expiry reminders). */
  expiryReminderDays: readonly number[];
  /** Keys nobody uses or confirmed, and denial bursts after a permission edit: the alerts and the Home's list. */
  attention: AttentionService;
}

export interface SlackDeps {
  services: SlackServices;
  logger: Logger;
  /** The slash command as configured (SLACK_COMMAND), shown in help and hints. */
  command: string;
  now: Clock;
  /** Encrypted hand-over to partner contacts, sent through this app's own client. */
  delivery: DeliveryService;
}
