import type { AuditRepository } from '../audit/types.ts';
import type { KeyService } from '../keys/key-service.ts';
import type { RoleRepository } from '../roles/types.ts';
import type { Clock } from '../shared/clock.ts';
import type { Transactional } from '../shared/transaction.ts';
import type { ApprovalPolicy } from './policy.ts';
import type { ApprovalRepository } from './types.ts';

/** What a decision writes inside one transaction. */
export interface ApprovalTransaction {
  approvals: Pick<
    ApprovalRepository,
    'insert' | 'lockPending' | 'addDecision' | 'transition' | 'setRevealKey' | 'markRevealExpired'
  >;
  roles: Pick<RoleRepository, 'rolesOf'>;
  audit: Pick<AuditRepository, 'append'>;
}

/** The four-eyes rule's storage: reads and single writes outside a transaction, and its transaction. */
export interface ApprovalStore extends Transactional<ApprovalTransaction> {
  approvals: Pick<
    ApprovalRepository,
    | 'findById'
    | 'listPending'
    | 'setCard'
    | 'expiredPending'
    | 'expiredReveals'
    | 'insertReveal'
    | 'findReveal'
    | 'claimReveal'
  >;
  roles: Pick<RoleRepository, 'list'>;
}

/** The key lifecycle, as far as an approved change runs through it. */
export type ApprovedKeyChanges = Pick<
  KeyService,
  | 'get'
  | 'prepareCreate'
  | 'create'
  | 'previewEdit'
  | 'edit'
  | 'enable'
  | 'replace'
  | 'lifetime'
  | 'previewUpgrade'
  | 'upgrade'
>;

/** What every part of the four-eyes rule works with: its storage, the key lifecycle, the policy and the clock. */
export interface ApprovalContext {
  store: ApprovalStore;
  keys: ApprovedKeyChanges;
  policy: ApprovalPolicy;
  now: Clock;
}
