import { sql } from 'drizzle-orm';
import type { Repositories, Store } from '../shared/store.ts';
import type { Database } from './client.ts';
import { createApprovalRepository } from './repositories/approval-repository.ts';
import { createAuditRepository } from './repositories/audit-repository.ts';
import { createDeliveryRepository } from './repositories/delivery-repository.ts';
import { createKeyRepository } from './repositories/key-repository.ts';
import { createPartnerPgpKeyRepository } from './repositories/partner-pgp-key-repository.ts';
import { createPartnerRepository } from './repositories/partner-repository.ts';
import { createRoleRepository } from './repositories/role-repository.ts';

/** Every key change is announced on this channel, inside its own transaction, so it is sent only if it commits. */
export const KEY_CHANGES_CHANNEL = 'harvest_keys_changed';

function repositories(db: Database): Repositories {
  return {
    keys: createKeyRepository(db),
    partners: createPartnerRepository(db),
    partnerPgpKeys: createPartnerPgpKeyRepository(db),
    deliveries: createDeliveryRepository(db),
    roles: createRoleRepository(db),
    approvals: createApprovalRepository(db),
    audit: createAuditRepository(db),
    changes: {
      async keyChanged(keyId) {
        await db.execute(sql`select pg_notify(${KEY_CHANGES_CHANNEL}, ${keyId})`);
      },
    },
  };
}

export function createStore(db: Database): Store {
  return {
    ...repositories(db),
    transaction: (work) => db.transaction((tx) => work(repositories(tx as unknown as Database))),
  };
}
