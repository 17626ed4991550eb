import { checkLifetime } from '../keys/expiry.ts';
import { alreadyReplaced, type EditKeyInput } from '../keys/key-service.ts';
import { checkGrace } from '../keys/key-refusals.ts';
import { keyState } from '../keys/key-state.ts';
import type { CredentialKind } from '../keys/types.ts';
import { AppError } from '../shared/errors.ts';
import type { ApprovalContext } from './approval-deps.ts';
import type { ApprovalRecords } from './approval-records.ts';
import type { ApprovalRequest, HandOverDelivery } from './types.ts';

/** Holding a change: each request is validated now, so approvers see exactly what will run. */
export function createApprovalRequests(ctx: ApprovalContext, records: Pick<ApprovalRecords, 'open'>) {
  const { keys, now } = ctx;
  const { open } = records;

  return {
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
      checkGrace(input.graceSeconds);
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
      checkGrace(graceSeconds);
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
  };
}
