import { alreadyReplaced } from '../keys/key-service.ts';
import type { ApiKey, IssuedKey } from '../keys/types.ts';
import { AppError } from '../shared/errors.ts';
import type { ApprovalContext } from './approval-deps.ts';
import { type ApprovalRecords, isoDate } from './approval-records.ts';
import type { ApprovalRequest } from './types.ts';

/** The one-time hand-over of an approved create or replace: the key is made when its requester reveals it. */
export function createApprovalReveals(ctx: ApprovalContext, records: Pick<ApprovalRecords, 'requireRequest'>) {
  const { store, keys, now } = ctx;
  const { requireRequest } = records;

  return {
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
  };
}
