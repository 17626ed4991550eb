import { checkLifetime } from '../keys/expiry.ts';
import { alreadyReplaced, type EditKeyInput, type KeyService } from '../keys/key-service.ts';
import { keyState } from '../keys/key-state.ts';
import type { ApiKey, CredentialKind, IssuedKey } from '../keys/types.ts';
import { randomBase62 } from '../shared/base62.ts';
import { AppError, isAppError } from '../shared/errors.ts';
import type { AuditRepository } from '../audit/types.ts';
import type { RoleRepository } from '../roles/types.ts';
import type { Clock } from '../shared/clock.ts';
import type { Transactional } from '../shared/transaction.ts';
import { type ApprovalPolicy, requiresApproval } from './policy.ts';
import type {
  ApprovableAction,
  ApprovalPayload,
  ApprovalRepository,
  ApprovalRequest,
  HandOverDelivery,
  KeyReveal,
} from './types.ts';

const HOUR = 3600_000;

export type DecisionOutcome =
  | { outcome: 'recorded'; request: ApprovalRequest }
  | { outcome: 'duplicate'; request: ApprovalRequest }
  | { outcome: 'closed'; request: ApprovalRequest }
  | { outcome: 'denied'; request: ApprovalRequest }
  | { outcome: 'executed'; request: ApprovalRequest; reveal: KeyReveal | undefined }
  | { outcome: 'superseded'; request: ApprovalRequest }
  | { outcome: 'failed'; request: ApprovalRequest; error: AppError | Error }
  | { outcome: 'expired'; request: ApprovalRequest };

export type ApprovalService = ReturnType<typeof createApprovalService>;

/**
 * The four-eyes rule. A held action is stored with its exact payload; approvers decide; when enough approvals are
 * in, the action runs exactly once (a compare-and-set on the request's state, under a row lock). For create and
 * replace the secret is only made at hand-over, when the requester uses a one-time reveal.
 */
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

/** A held expiry back as the services take it: absent stays absent (the default), null is never. */
function isoDate(value: string | null | undefined): Date | null | undefined {
  return value == null ? (value as null | undefined) : new Date(value);
}

export function createApprovalService(deps: {
  store: ApprovalStore;
  keys: ApprovedKeyChanges;
  policy: ApprovalPolicy;
  now?: Clock;
}) {
  const { store, keys, policy } = deps;
  const now = deps.now ?? (() => new Date());

  async function requireRequest(id: string): Promise<ApprovalRequest> {
    const request = await store.approvals.findById(id);
    if (request === undefined) {
      throw new AppError('APPROVAL_NOT_FOUND', `No approval request ${id}`, { facts: { requestId: id } });
    }
    return request;
  }

  async function assertConfigured(requester: string): Promise<void> {
    if (policy.channel === undefined) {
      throw new AppError(
        'APPROVAL_NOT_CONFIGURED',
        'This change needs approval, but no approvals channel is configured: set APPROVALS_CHANNEL (or remove the action from APPROVAL_REQUIRED_FOR).',
        { facts: { missing: 'channel' } },
      );
    }
    const approvers = (await store.roles.list()).filter((g) => g.role === 'approver' && g.slackUserId !== requester);
    if (approvers.length < policy.approvalsRequired) {
      throw new AppError(
        'APPROVAL_NOT_CONFIGURED',
        `This change needs ${policy.approvalsRequired} approval(s) from someone other than you, but only ${approvers.length} other approver(s) exist: grant the approver role to more people.`,
        { facts: { missing: 'approvers', required: policy.approvalsRequired, approvers: approvers.length } },
      );
    }
  }

  async function open(
    action: ApprovableAction,
    requester: string,
    keyId: string | null,
    keyVersion: number | null,
    payload: ApprovalPayload,
  ): Promise<ApprovalRequest> {
    await assertConfigured(requester);
    const id = `apr_${randomBase62(12)}`;
    await store.transaction(async (repos) => {
      await repos.approvals.insert({
        id,
        action,
        keyId,
        keyVersion,
        payload,
        requestedBy: requester,
        requiredApprovals: policy.approvalsRequired,
        expiresAt: new Date(now().getTime() + policy.ttlHours * HOUR),
      });
      await repos.audit.append({
        actor: requester,
        action: 'approval.requested',
        keyId: keyId ?? undefined,
        details: { requestId: id, action, payload },
      });
    });
    return requireRequest(id);
  }

  async function finish(
    request: ApprovalRequest,
    to: 'approved' | 'superseded' | 'failed',
    outcome: Record<string, unknown>,
  ): Promise<ApprovalRequest> {
    await store.transaction(async (repos) => {
      await repos.approvals.transition(request.id, 'executing', to, { outcome, decidedAt: now() });
      const action =
        to === 'approved' ? 'approval.executed' : to === 'superseded' ? 'approval.superseded' : 'approval.failed';
      await repos.audit.append({
        actor: 'system',
        action,
        keyId: request.keyId ?? undefined,
        details: { requestId: request.id, ...outcome },
      });
    });
    return requireRequest(request.id);
  }

  async function execute(request: ApprovalRequest): Promise<DecisionOutcome> {
    const { payload } = request;
    try {
      if (payload.action === 'create' || payload.action === 'replace') {
        if (payload.action === 'replace' || (payload.action === 'create' && payload.upgrade !== undefined)) {
          const key = await keys.get(request.keyId as string);
          if (key.version !== request.keyVersion) {
            return {
              outcome: 'superseded',
              request: await finish(request, 'superseded', { reason: 'the key changed after the request' }),
            };
          }
        }
        const revealId = `rvl_${randomBase62(22)}`;
        await store.approvals.insertReveal({
          id: revealId,
          requestId: request.id,
          requester: request.requestedBy,
          expiresAt: new Date(now().getTime() + policy.revealTtlHours * HOUR),
        });
        const done = await finish(request, 'approved', { revealId });
        return { outcome: 'executed', request: done, reveal: await store.approvals.findReveal(revealId) };
      }
      if (payload.action === 'permissions') {
        const edit: EditKeyInput = {
          actor: request.requestedBy,
          source: 'approvals',
          expectedVersion: request.keyVersion ?? undefined,
          grants: payload.permissions,
          description: payload.newDescription,
          expiresAt: isoDate(payload.expiry?.to),
          networks: payload.allowedNetworks,
          endLegacy: payload.endsLegacy,
          basedOnUsage: payload.basedOnUsage,
        };
        const result = await keys.edit(request.keyId as string, edit);
        return {
          outcome: 'executed',
          request: await finish(request, 'approved', { version: result.key.version }),
          reveal: undefined,
        };
      }
      const key = await keys.get(request.keyId as string);
      if (key.version !== request.keyVersion) {
        return {
          outcome: 'superseded',
          request: await finish(request, 'superseded', { reason: 'the key changed after the request' }),
        };
      }
      await keys.enable(key.id, {
        actor: request.requestedBy,
        source: 'approvals',
        expiresAt: payload.action === 'reenable' ? isoDate(payload.expiresAt) : undefined,
      });
      return { outcome: 'executed', request: await finish(request, 'approved', {}), reveal: undefined };
    } catch (error) {
      if (isAppError(error, 'STALE_VERSION')) {
        return {
          outcome: 'superseded',
          request: await finish(request, 'superseded', { reason: 'the key changed after the request' }),
        };
      }
      const code = isAppError(error) ? error.code : 'INTERNAL';
      return { outcome: 'failed', request: await finish(request, 'failed', { error: code }), error: error as Error };
    }
  }

  return {
    policy,
    needsApproval: (action: ApprovableAction) => requiresApproval(policy, action),

    /** Holds a create: validated now, so approvers see exactly what will be made. */
    async requestCreate(input: {
      actor: string;
      partner?: string | undefined;
      description?: string | undefined;
      grants?: readonly string[];
      applyPreset?: boolean;
      delivery?: HandOverDelivery | undefined;
      expiresAt?: Date | null | undefined;
      allowedNetworks?: readonly string[] | undefined;
      kind?: CredentialKind | undefined;
    }): Promise<ApprovalRequest> {
      const prepared = await keys.prepareCreate(input);
      return open('create', input.actor, null, null, {
        action: 'create',
        ...(input.kind === 'oauth_client' ? { kind: 'oauth_client' as const } : {}),
        description: prepared.description,
        partnerId: prepared.partner?.id ?? null,
        partnerName: prepared.partner?.name ?? null,
        permissions: prepared.permissions,
        expiresAt: prepared.expiresAt?.toISOString() ?? null,
        ...(input.delivery === undefined ? {} : { delivery: input.delivery }),
        ...(prepared.allowedNetworks.length === 0 ? {} : { allowedNetworks: prepared.allowedNetworks }),
      });
    },

    /**
     * Holds an "Upgrade to v3" (policy holding `create`: a new credential is made): approvers see the client's
     * permissions, the key's legacy ones made explicit; the client is made at hand-over, from the key as it is then.
     */
    async requestUpgrade(
      keyId: string,
      input: { actor: string; graceSeconds: number; delivery?: HandOverDelivery | undefined },
    ): Promise<ApprovalRequest> {
      const plan = await keys.previewUpgrade(keyId);
      if (!Number.isFinite(input.graceSeconds) || input.graceSeconds < 0 || input.graceSeconds > 90 * 24 * 3600) {
        throw new AppError('GRACE_INVALID', 'Grace period must be between 0 and 90 days', {
          field: 'grace',
          facts: { maxDays: 90 },
        });
      }
      const { key } = plan;
      return open('create', input.actor, key.id, key.version, {
        action: 'create',
        kind: 'oauth_client',
        upgrade: { graceSeconds: input.graceSeconds },
        description: key.description,
        partnerId: key.partnerId,
        partnerName: key.partnerName,
        permissions: plan.permissions,
        expiresAt: plan.expiresAt?.toISOString() ?? null,
        ...(input.delivery === undefined ? {} : { delivery: input.delivery }),
        ...(key.allowedNetworks.length === 0 ? {} : { allowedNetworks: key.allowedNetworks }),
      });
    },

    async requestEdit(keyId: string, input: EditKeyInput & { actor: string }): Promise<ApprovalRequest> {
      const preview = await keys.previewEdit(keyId, input);
      if (input.expectedVersion !== undefined && input.expectedVersion !== preview.key.version) {
        throw new AppError(
          'STALE_VERSION',
          `Key ${keyId} was changed by someone else since you opened it: reload it and make your change again`,
          { facts: { keyId, version: preview.key.version } },
        );
      }
      return open('permissions', input.actor, keyId, preview.key.version, {
        action: 'permissions',
        description: preview.key.description,
        permissions: preview.permissions,
        added: preview.added,
        removed: preview.removed,
        newDescription: preview.descriptionChanged ? preview.description : undefined,
        ...(preview.expiry === undefined ? {} : { expiry: preview.expiry }),
        ...(preview.networksAdded.length + preview.networksRemoved.length === 0
          ? {}
          : {
              allowedNetworks: preview.allowedNetworks,
              networksAdded: preview.networksAdded,
              networksRemoved: preview.networksRemoved,
            }),
        ...(preview.endsLegacy ? { endsLegacy: true } : {}),
        ...(input.basedOnUsage === undefined ? {} : { basedOnUsage: input.basedOnUsage }),
      });
    },

    async requestEnable(keyId: string, actor: string, expiresAt?: Date | null): Promise<ApprovalRequest> {
      const key = await keys.get(keyId);
      if (keyState(key, now()).kind === 'active')
        throw new AppError('KEY_ALREADY_ACTIVE', `${keyId} is already active`, { facts: { keyId } });
      if (expiresAt !== undefined) checkLifetime(keys.lifetime(), expiresAt, now());
      return open('reenable', actor, keyId, key.version, {
        action: 'reenable',
        description: key.description,
        revokeReason: key.revokeReason,
        ...(expiresAt === undefined ? {} : { expiresAt: expiresAt?.toISOString() ?? null }),
      });
    },

    async requestReplace(
      keyId: string,
      input: {
        actor: string;
        graceSeconds?: number;
        delivery?: HandOverDelivery | undefined;
        expiresAt?: Date | null | undefined;
      },
    ): Promise<ApprovalRequest> {
      const key = await keys.get(keyId);
      if (key.replacedBy !== null)
        throw alreadyReplaced(key, now(), `replace ${key.replacedBy} instead, or revoke ${key.id} to end it now`);
      const graceSeconds = input.graceSeconds ?? 0;
      if (!Number.isFinite(graceSeconds) || graceSeconds < 0 || graceSeconds > 90 * 24 * 3600) {
        throw new AppError('GRACE_INVALID', 'Grace period must be between 0 and 90 days', {
          field: 'grace',
          facts: { maxDays: 90 },
        });
      }
      return open('replace', input.actor, keyId, key.version, {
        action: 'replace',
        description: key.description,
        graceSeconds,
        ...(input.delivery === undefined ? {} : { delivery: input.delivery }),
        ...(input.expiresAt === undefined
          ? {}
          : { expiresAt: checkLifetime(keys.lifetime(), input.expiresAt, now())?.toISOString() ?? null }),
      });
    },

    /**
     * One approver's decision. Deciders on the same request are serialised by a row lock, so "enough approvals"
     * is seen by exactly one of them, and only that one executes; a repeated click by the same approver counts once.
     */
    async decide(
      requestId: string,
      input: { approver: string; decision: 'approve' | 'deny'; reason?: string | undefined },
    ): Promise<DecisionOutcome> {
      const reason = input.reason?.trim() || null;
      if (reason !== null && reason.length > 500)
        throw new AppError('REASON_INVALID', 'Reason is too long: at most 500 characters', {
          field: 'reason',
          facts: { problem: 'too_long', max: 500 },
        });
      // PostgreSQL text cannot hold NUL: refused here in words rather than as a failed query.
      if (reason?.includes('\u0000'))
        throw new AppError('REASON_INVALID', 'Reason contains a NUL character: type it again as plain text', {
          field: 'reason',
          facts: { problem: 'nul' },
        });
      const step = await store.transaction(async (repos) => {
        const request = await repos.approvals.lockPending(requestId);
        if (request === undefined) {
          throw new AppError('APPROVAL_NOT_FOUND', `No approval request ${requestId}`, { facts: { requestId } });
        }
        if (request.state !== 'pending') return { kind: 'closed' as const };
        if (request.expiresAt <= now()) {
          await repos.approvals.transition(requestId, 'pending', 'expired', { decidedAt: now() });
          await repos.audit.append({
            actor: 'system',
            action: 'approval.expired',
            keyId: request.keyId ?? undefined,
            details: { requestId },
          });
          return { kind: 'expired' as const };
        }
        if (input.approver === request.requestedBy) {
          throw new AppError('SELF_APPROVAL', 'You cannot approve or deny your own request: another approver has to.');
        }
        if (!(await repos.roles.rolesOf(input.approver)).includes('approver')) {
          throw new AppError('FORBIDDEN', 'Only approvers can decide on requests.', { facts: { need: 'approver' } });
        }
        if (
          !(await repos.approvals.addDecision(requestId, {
            approver: input.approver,
            decision: input.decision,
            reason,
          }))
        ) {
          return { kind: 'duplicate' as const };
        }
        await repos.audit.append({
          actor: input.approver,
          action: 'approval.decided',
          keyId: request.keyId ?? undefined,
          details: { requestId, decision: input.decision, reason },
        });
        if (input.decision === 'deny') {
          await repos.approvals.transition(requestId, 'pending', 'denied', {
            decidedAt: now(),
            outcome: { deniedBy: input.approver, reason },
          });
          return { kind: 'denied' as const };
        }
        const approvals = request.decisions.filter((d) => d.decision === 'approve').length + 1;
        if (approvals < request.requiredApprovals) return { kind: 'recorded' as const };
        await repos.approvals.transition(requestId, 'pending', 'executing');
        return { kind: 'execute' as const };
      });
      const request = await requireRequest(requestId);
      if (step.kind === 'execute') return execute(request);
      return { outcome: step.kind, request };
    },

    /**
     * Hands over an approved create or replace: works once, for the requester only, before it expires. The key and
     * its secret are made now, so an approval nobody collects never becomes a usable key. For a request with a
     * partner delivery the Slack side calls this on the requester's behalf right after approval and passes the
     * secret straight to the encrypted delivery, so nobody sees it.
     */
    async reveal(
      revealId: string,
      user: string,
    ): Promise<{ issued: IssuedKey & { old?: ApiKey | undefined }; request: ApprovalRequest }> {
      const reveal = await store.approvals.findReveal(revealId);
      if (reveal === undefined || reveal.requester !== user) {
        throw new AppError('REVEAL_UNAVAILABLE', 'This key is not yours to reveal.', {
          facts: { problem: 'not_yours' },
        });
      }
      if (reveal.usedAt !== null)
        throw new AppError(
          'REVEAL_UNAVAILABLE',
          'This key was already revealed; it cannot be shown again. If it was lost, replace the key.',
          { facts: { problem: 'revealed' } },
        );
      if (reveal.expiredAt !== null || reveal.expiresAt <= now()) {
        throw new AppError(
          'REVEAL_UNAVAILABLE',
          'This reveal link has expired and the key was never created: request it again.',
          { facts: { problem: 'expired' } },
        );
      }
      const held = await requireRequest(reveal.requestId);
      if (held.payload.action === 'replace') {
        // Checked before the reveal is used up: another replace may have run since the approval.
        const key = await keys.get(held.keyId as string);
        if (key.replacedBy !== null)
          throw alreadyReplaced(key, now(), 'this approved replace was not carried out; nothing was created');
      }
      // Likewise an upgrade: refused (nothing made, the reveal kept) if the key was replaced or stopped meanwhile.
      if (held.payload.action === 'create' && held.payload.upgrade !== undefined)
        await keys.previewUpgrade(held.keyId as string);
      if (!(await store.approvals.claimReveal(revealId, user, now()))) {
        throw new AppError('REVEAL_UNAVAILABLE', 'This key was already revealed; it cannot be shown again.', {
          facts: { problem: 'revealed' },
        });
      }
      const request = await requireRequest(reveal.requestId);
      const payload = request.payload;
      let issued: IssuedKey & { old?: ApiKey | undefined };
      if (payload.action === 'create' && payload.upgrade !== undefined) {
        issued = await keys.upgrade(request.keyId as string, {
          actor: request.requestedBy,
          source: 'approvals',
          graceSeconds: payload.upgrade.graceSeconds,
        });
      } else if (payload.action === 'create') {
        issued = await keys.create({
          kind: payload.kind,
          actor: request.requestedBy,
          source: 'approvals',
          description: payload.description,
          partner: payload.partnerId ?? undefined,
          grants: payload.permissions,
          applyPreset: false,
          expiresAt: isoDate(payload.expiresAt),
          allowedNetworks: payload.allowedNetworks,
        });
      } else if (payload.action === 'replace') {
        issued = await keys.replace(request.keyId as string, {
          actor: request.requestedBy,
          source: 'approvals',
          graceSeconds: payload.graceSeconds,
          expiresAt: isoDate(payload.expiresAt),
        });
      } else {
        throw new AppError('REVEAL_UNAVAILABLE', 'Nothing to reveal for this request.', {
          facts: { problem: 'nothing' },
        });
      }
      await store.transaction(async (repos) => {
        await repos.approvals.setRevealKey(revealId, issued.key.id);
        await repos.audit.append({
          actor: user,
          action: 'approval.revealed',
          keyId: issued.key.id,
          details: { requestId: request.id, revealId },
        });
      });
      return { issued, request };
    },

    /** Expires stale requests and unrevealed keys; returns the requests whose cards should be updated. */
    async sweep(): Promise<{ expiredRequests: ApprovalRequest[]; expiredReveals: KeyReveal[] }> {
      const at = now();
      const expiredRequests: ApprovalRequest[] = [];
      for (const request of await store.approvals.expiredPending(at)) {
        const changed = await store.transaction(async (repos) => {
          if (!(await repos.approvals.transition(request.id, 'pending', 'expired', { decidedAt: at }))) return false;
          await repos.audit.append({
            actor: 'system',
            action: 'approval.expired',
            keyId: request.keyId ?? undefined,
            details: { requestId: request.id },
          });
          return true;
        });
        if (changed) expiredRequests.push(await requireRequest(request.id));
      }
      const expiredReveals: KeyReveal[] = [];
      for (const reveal of await store.approvals.expiredReveals(at)) {
        const changed = await store.transaction(async (repos) => {
          if (!(await repos.approvals.markRevealExpired(reveal.id, at))) return false;
          await repos.audit.append({
            actor: 'system',
            action: 'approval.reveal_expired',
            details: {
              requestId: reveal.requestId,
              revealId: reveal.id,
              note: 'approved key expired unrevealed; it was never created',
            },
          });
          return true;
        });
        if (changed) expiredReveals.push(reveal);
      }
      return { expiredRequests, expiredReveals };
    },

    get: requireRequest,
    listPending: () => store.approvals.listPending(now()),
    setCard: (id: string, channel: string, ts: string) => store.approvals.setCard(id, channel, ts),
  };
}
