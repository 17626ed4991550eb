import type { AuditRepository } from '../audit/types.ts';
import type { PartnerRepository } from '../partners/types.ts';
import type { Transactional } from '../shared/transaction.ts';
import type { ChangeNotifier, KeyRepository } from './key-repository.ts';

/** What the key lifecycle reads and writes inside one transaction. */
export interface KeyTransaction {
  keys: Pick<
    KeyRepository,
    | 'findById'
    | 'insert'
    | 'updateIfVersion'
    | 'revoke'
    | 'enable'
    | 'scheduleRevocation'
    | 'abandonSuccession'
    | 'findReplacedBy'
  >;
  partners: Pick<PartnerRepository, 'findById' | 'findByName'>;
  audit: Pick<AuditRepository, 'append'>;
  changes: Pick<ChangeNotifier, 'keyChanged'>;
}

/** The key lifecycle's storage: what it reads outside a transaction, and the transaction. */
export interface KeyStore extends Transactional<KeyTransaction> {
  keys: Pick<
    KeyRepository,
    'findById' | 'findByDigest' | 'list' | 'dueForRevocation' | 'findByIds' | 'findReplacedBy' | 'expiringBetween'
  >;
  partners: Pick<PartnerRepository, 'findById' | 'findByName'>;
}
