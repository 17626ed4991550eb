import type { ApprovalRepository } from '../approvals/types.ts';
import type { AuditRepository } from '../audit/types.ts';
import type { DeliveryRepository } from '../delivery/types.ts';
import type { KeyRepository } from '../keys/key-repository.ts';
import type { PartnerPgpKeyRepository } from '../partners/partner-pgp-key.ts';
import type { PartnerRepository } from '../partners/types.ts';
import type { RoleRepository } from '../roles/types.ts';

/** Tells every instance that a key's enforcement data changed; sent inside the transaction that changed it. */
export interface ChangeNotifier {
  keyChanged(keyId: string): Promise<void>;
  /**
   * Keys that did not exist before (an import), announced in batches of ids: instances load them by id after any
   * change to an existing key, and refuse them until then.
   */
  keysAdded(keyIds: readonly string[]): Promise<void>;
}

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

/** Domain services see storage only through this port: repositories, and a transaction that spans them. */
export interface Store extends Repositories {
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
}

export type Clock = () => Date;
