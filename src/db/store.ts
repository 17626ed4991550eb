import { sql } from 'drizzle-orm';
import type { ApprovalRepository } from '../approvals/types.ts';
import type { AuditRepository } from '../audit/types.ts';
import type { DeliveryRepository } from '../delivery/types.ts';
import type { ChangeNotifier, KeyRepository } from '../keys/key-repository.ts';
import type { PartnerPgpKeyRepository } from '../partners/partner-pgp-key.ts';
import type { PartnerRepository } from '../partners/types.ts';
import type { RoleRepository } from '../roles/types.ts';
import type { Transactional } from '../shared/transaction.ts';
import { withWebhookEvents } from '../webhooks/audit-events.ts';
import type { Database } from './client.ts';
import { createApprovalRepository } from './repositories/approval-repository.ts';
import { createAuditRepository } from './repositories/audit-repository.ts';
import { createDeliveryRepository } from './repositories/delivery-repository.ts';
import { createKeyRepository } from './repositories/key-repository.ts';
import { createPartnerPgpKeyRepository } from './repositories/partner-pgp-key-repository.ts';
import { createPartnerRepository } from './repositories/partner-repository.ts';
import { createRoleRepository } from './repositories/role-repository.ts';
import { createWebhookOutboxWriter } from './repositories/webhook-outbox-repository.ts';

/** Every repository this adapter implements: each service takes the few members it uses (its own port). */
export interface Repositories {
  keys: KeyRepository;
  partners: PartnerRepository;
  partnerPgpKeys: PartnerPgpKeyRepository;
  deliveries: DeliveryRepository;
  roles: RoleRepository;
  approvals: ApprovalRepository;
  audit: AuditRepository;
  changes: ChangeNotifier;
}

/** The repositories, and a transaction that spans them: what the composition root hands to the services. */
export interface Store extends Repositories, Transactional<Repositories> {}

/** Every key change is announced on this channel, inside its own transaction, so it is sent only if it commits. */
export const KEY_CHANGES_CHANNEL = 'harvest_keys_changed';

/** NOTIFY payloads must stay under 8000 bytes; ids (ASCII, never a comma) go out comma-separated within this. */
const PAYLOAD_BYTES = 7_900;
/** Marks a payload of keys that did not exist before (an import): `+id,id,...`. */
const ADDED = '+';

/** Packs new keys' ids into as few payloads as fit: an import of 50k keys is ~110 notifications, not 50k. */
export function keysAddedPayloads(keyIds: readonly string[]): string[] {
  const payloads: string[] = [];
  let current = '';
  for (const id of keyIds) {
    if (current !== '' && Buffer.byteLength(current) + 1 + Buffer.byteLength(id) > PAYLOAD_BYTES) {
      payloads.push(current);
      current = '';
    }
    current = current === '' ? `${ADDED}${id}` : `${current},${id}`;
  }
  if (current !== '') payloads.push(current);
  return payloads;
}

/** A payload is one changed key's id (what every other change sends), or `+` and the ids of new keys. */
export function parseKeyChangePayload(payload: string): { keyIds: string[]; kind: 'changed' | 'added' } {
  const kind = payload.startsWith(ADDED) ? 'added' : 'changed';
  return { keyIds: (kind === 'added' ? payload.slice(1) : payload).split(',').filter((id) => id !== ''), kind };
}

/** Policy the repositories apply when reading: a legacy key's expiry is the earlier of its own and the policy's. */
export interface StoreOptions {
  legacyKeysExpireAt?: Date | null | undefined;
  /** Webhooks are configured: each key, partner and approval event also writes an outbox message, in its transaction. */
  webhookEvents?: boolean | undefined;
}

function repositories(db: Database, options: StoreOptions): Repositories {
  return {
    keys: createKeyRepository(db, { legacyKeysExpireAt: options.legacyKeysExpireAt ?? null }),
    partners: createPartnerRepository(db),
    partnerPgpKeys: createPartnerPgpKeyRepository(db),
    deliveries: createDeliveryRepository(db),
    roles: createRoleRepository(db),
    approvals: createApprovalRepository(db),
    audit: options.webhookEvents
      ? withWebhookEvents(createAuditRepository(db), createWebhookOutboxWriter(db))
      : createAuditRepository(db),
    changes: {
      async keyChanged(keyId) {
        await db.execute(sql`select pg_notify(${KEY_CHANGES_CHANNEL}, ${keyId})`);
      },
      async keysAdded(keyIds) {
        for (const payload of keysAddedPayloads(keyIds))
          await db.execute(sql`select pg_notify(${KEY_CHANGES_CHANNEL}, ${payload})`);
      },
    },
  };
}

export function createStore(db: Database, options: StoreOptions = {}): Store {
  return {
    ...repositories(db, options),
    transaction: (work) => db.transaction((tx) => work(repositories(tx as unknown as Database, options))),
  };
}
