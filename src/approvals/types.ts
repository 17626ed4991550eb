import type { ApiKey, CredentialKind } from '../keys/types.ts';

export const APPROVABLE_ACTIONS = ['create', 'permissions', 'reenable', 'replace'] as const;
export type ApprovableAction = (typeof APPROVABLE_ACTIONS)[number];

export type ApprovalState = 'pending' | 'executing' | 'approved' | 'denied' | 'expired' | 'superseded' | 'failed';

/** The exact change an approver signs off on; executed as written, never re-derived. */
export type ApprovalPayload =
  | (Pick<ApiKey, 'description' | 'partnerId' | 'partnerName' | 'permissions'> & {
      action: 'create';
      delivery?: HandOverDelivery | undefined;
      /** ISO, or null for never; absent on older requests (the key then gets the default). */
      expiresAt?: string | null | undefined;
      /** Canonical networks the key will be limited to (absent on older requests: none). */
      allowedNetworks?: string[] | undefined;
      /** 'oauth_client': a Harvest v3 client is made; absent: a key. */
      kind?: CredentialKind | undefined;
      /**
       * "Upgrade to v3" of the request's key: the client is made from the key as it is at hand-over (like a replace),
       * and the key stops after this grace.
       */
      upgrade?: { graceSeconds: number } | undefined;
    })
  | (Pick<ApiKey, 'description' | 'permissions'> & {
      action: 'permissions';
      added: string[];
      removed: string[];
      newDescription?: ApiKey['description'] | undefined;
      /** A changed expiry (ISO, or null for never): extending a key's life is held like a permission change. */
      expiry?: { from: string | null; to: string | null; extended: boolean } | undefined;
      /** The key's whole list of networks after the change, when the change touches them. */
      allowedNetworks?: string[] | undefined;
      networksAdded?: string[] | undefined;
      networksRemoved?: string[] | undefined;
      /** A legacy key's implicit access ends: afterwards it may call only `permissions`. */
      endsLegacy?: boolean | undefined;
      /** Proposed from the key's recorded use over this many days (trim, legacy migration). */
      basedOnUsage?: { days: number } | undefined;
    })
  | (Pick<ApiKey, 'description'> & {
      action: 'reenable';
      /** Why the key was revoked, so approvers see a "lost" key for what it is (absent on older requests). */
      revokeReason?: ApiKey['revokeReason'] | undefined;
      /** The expiry asked for (ISO, null: never); absent: the default. */
      expiresAt?: string | null | undefined;
    })
  | (Pick<ApiKey, 'description'> & {
      action: 'replace';
      graceSeconds: number;
      delivery?: HandOverDelivery | undefined;
      /** The replacement's expiry (ISO, null: never); absent: the default. */
      expiresAt?: string | null | undefined;
    });

/** An approved key handed to a partner contact, PGP-encrypted, instead of being revealed to the requester. */
export interface HandOverDelivery {
  contactSlackUserId: string;
}

export interface ApprovalRequest {
  id: string;
  action: ApprovableAction;
  keyId: string | null;
  keyVersion: number | null;
  payload: ApprovalPayload;
  requestedBy: string;
  requiredApprovals: number;
  state: ApprovalState;
  createdAt: Date;
  expiresAt: Date;
  decidedAt: Date | null;
  outcome: Record<string, unknown> | null;
  cardChannel: string | null;
  cardTs: string | null;
  decisions: ApprovalDecision[];
}

export interface ApprovalDecision {
  approver: string;
  decision: 'approve' | 'deny';
  reason: string | null;
  at: Date;
}

export interface KeyReveal {
  id: string;
  requestId: string;
  requester: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  expiredAt: Date | null;
  keyId: string | null;
}

export interface NewApprovalRequest {
  id: string;
  action: ApprovableAction;
  keyId: string | null;
  keyVersion: number | null;
  payload: ApprovalPayload;
  requestedBy: string;
  requiredApprovals: number;
  expiresAt: Date;
}

export interface ApprovalRepository {
  insert(request: NewApprovalRequest): Promise<void>;
  findById(id: string): Promise<ApprovalRequest | undefined>;
  /** Reads the request with a row lock held until the surrounding transaction ends. */
  lockPending(id: string): Promise<ApprovalRequest | undefined>;
  listPending(now: Date): Promise<ApprovalRequest[]>;
  /** Returns false when this approver already decided on the request. */
  addDecision(requestId: string, decision: Omit<ApprovalDecision, 'at'>): Promise<boolean>;
  /** Atomic compare-and-set on `state`: exactly one caller wins a transition. */
  transition(
    id: string,
    from: ApprovalState,
    to: ApprovalState,
    fields?: { outcome?: Record<string, unknown>; decidedAt?: Date },
  ): Promise<boolean>;
  setCard(id: string, channel: string, ts: string): Promise<void>;
  expiredPending(now: Date): Promise<ApprovalRequest[]>;
  insertReveal(reveal: { id: string; requestId: string; requester: string; expiresAt: Date }): Promise<void>;
  findReveal(id: string): Promise<KeyReveal | undefined>;
  findRevealByRequest(requestId: string): Promise<KeyReveal | undefined>;
  /** Marks the reveal used if it is still usable by this user; false otherwise. */
  claimReveal(id: string, requester: string, now: Date): Promise<boolean>;
  setRevealKey(id: string, keyId: string): Promise<void>;
  expiredReveals(now: Date): Promise<KeyReveal[]>;
  markRevealExpired(id: string, now: Date): Promise<boolean>;
}
