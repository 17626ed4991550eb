import type { AuditRepository } from '../audit/types.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import type { Transactional } from '../shared/transaction.ts';
import { normalizeFingerprint } from './fingerprint.ts';
import { type PartnerPgpKey, type PartnerPgpKeyRepository, type PgpStatus, pgpStatus } from './partner-pgp-key.ts';
import type { PgpKeyInfo } from './pgp-key-info.ts';
import type { Partner, PartnerRepository } from './types.ts';

/** What setting or confirming a partner's key writes inside one transaction. */
export interface PartnerPgpTransaction {
  partners: Pick<PartnerRepository, 'findById' | 'findByName'>;
  partnerPgpKeys: Pick<PartnerPgpKeyRepository, 'find' | 'save' | 'confirm'>;
  audit: Pick<AuditRepository, 'append'>;
}

/** The partner-key service's storage: lookups outside a transaction, and the transaction. */
export interface PartnerPgpStore extends Transactional<PartnerPgpTransaction> {
  partners: Pick<PartnerRepository, 'findById' | 'findByName'>;
  partnerPgpKeys: Pick<PartnerPgpKeyRepository, 'find' | 'list'>;
}

export interface PartnerPgpServiceDeps {
  store: PartnerPgpStore;
  /** `inspectPublicKey` from src/delivery: validates and describes the pasted key, or refuses it with the reason. */
  inspect: (armored: string, now: Date) => Promise<PgpKeyInfo>;
  now?: Clock;
}

export interface SetPgpKeyResult {
  partner: Partner;
  info: PgpKeyInfo;
  key: PartnerPgpKey;
  /** The fingerprint this key replaced, if it differed: the partner's key then needs confirming again. */
  replacedFingerprint: string | null;
  confirmed: boolean;
}

function summary(key: PartnerPgpKey | undefined): Record<string, unknown> | undefined {
  if (key === undefined) return undefined;
  return {
    fingerprint: key.fingerprint,
    algorithm: key.algorithm,
    userIds: key.userIds,
    expiresAt: key.expiresAt?.toISOString() ?? null,
    confirmed: key.confirmedFingerprint !== null,
  };
}

/** Confirmed and not yet expired: what delivery requires. */
export function isUsable(key: PartnerPgpKey, at: Date): boolean {
  return key.confirmedFingerprint === key.fingerprint && (key.expiresAt === null || key.expiresAt > at);
}

function mismatch(given: string, stored: PgpKeyInfo | PartnerPgpKey): AppError {
  return new AppError(
    'PGP_FINGERPRINT_MISMATCH',
    `Fingerprint ${given} does not match the partner's key ${stored.fingerprint}: check it with the partner again ` +
      '(out of band, e.g. by phone) before confirming. Nothing was confirmed.',
    { field: 'fingerprint', facts: { given, fingerprint: stored.fingerprint } },
  );
}

export type PartnerPgpService = ReturnType<typeof createPartnerPgpService>;

/**
 * Partners' public keys. A key is usable for delivery only after an admin confirms its full fingerprint, checked with
 * the partner out of band; a key with a different fingerprint replaces it unconfirmed.
 */
export function createPartnerPgpService(deps: PartnerPgpServiceDeps) {
  const { store, inspect } = deps;
  const now = deps.now ?? (() => new Date());

  async function requirePartner(repos: Pick<PartnerPgpStore, 'partners'>, nameOrId: string): Promise<Partner> {
    const partner = (await repos.partners.findByName(nameOrId)) ?? (await repos.partners.findById(nameOrId));
    if (partner === undefined) {
      throw new AppError('UNKNOWN_PARTNER', `No partner named "${nameOrId}"`, { facts: { partner: nameOrId } });
    }
    return partner;
  }

  async function getPgpKey(partnerNameOrId: string): Promise<PartnerPgpKey | undefined> {
    const partner = await requirePartner(store, partnerNameOrId);
    return store.partnerPgpKeys.find(partner.id);
  }

  return {
    /**
     * Stores the partner's key (refused keys are not stored). The same fingerprint keeps its confirmation: it is the
     * same key, e.g. with a later expiry. With `confirmFingerprint` the key is stored and confirmed in one step, and
     * nothing is stored if that fingerprint is not the key's.
     */
    async setPgpKey(
      partnerNameOrId: string,
      armored: string,
      actor: string,
      options: { confirmFingerprint?: string | undefined } = {},
    ): Promise<SetPgpKeyResult> {
      const at = now();
      const info = await inspect(armored, at);
      const confirmWith =
        options.confirmFingerprint === undefined ? undefined : normalizeFingerprint(options.confirmFingerprint);
      if (confirmWith !== undefined && confirmWith !== info.fingerprint) throw mismatch(confirmWith, info);
      return store.transaction(async (repos) => {
        const partner = await requirePartner(repos, partnerNameOrId);
        const before = await repos.partnerPgpKeys.find(partner.id);
        const keepConfirmation = before?.confirmedFingerprint === info.fingerprint;
        const confirmation =
          confirmWith !== undefined
            ? { by: actor, at }
            : keepConfirmation && before?.confirmedBy && before.confirmedAt
              ? { by: before.confirmedBy, at: before.confirmedAt }
              : null;
        await repos.partnerPgpKeys.save({
          partnerId: partner.id,
          armoredPublicKey: info.armored,
          fingerprint: info.fingerprint,
          userIds: info.userIds,
          algorithm: info.algorithm,
          keyCreatedAt: info.createdAt,
          expiresAt: info.expiresAt,
          addedBy: actor,
          addedAt: at,
          confirmation,
        });
        const key = (await repos.partnerPgpKeys.find(partner.id)) as PartnerPgpKey;
        await repos.audit.append({
          actor,
          action: 'partner.pgp_key_set',
          partnerId: partner.id,
          before: summary(before),
          after: summary(key),
        });
        if (confirmWith !== undefined && !keepConfirmation) {
          await repos.audit.append({
            actor,
            action: 'partner.pgp_key_confirmed',
            partnerId: partner.id,
            details: { fingerprint: info.fingerprint },
          });
        }
        const replacedFingerprint =
          before !== undefined && before.fingerprint !== info.fingerprint ? before.fingerprint : null;
        return { partner, info, key, replacedFingerprint, confirmed: key.confirmedFingerprint !== null };
      });
    },

    /** The admin's out-of-band check: the full fingerprint must equal the stored key's. Idempotent. */
    async confirmPgpKey(partnerNameOrId: string, fingerprint: string, actor: string): Promise<PartnerPgpKey> {
      const given = normalizeFingerprint(fingerprint);
      return store.transaction(async (repos) => {
        const partner = await requirePartner(repos, partnerNameOrId);
        const key = await repos.partnerPgpKeys.find(partner.id);
        if (key === undefined) {
          throw new AppError('PGP_KEY_MISSING', `Partner "${partner.name}" has no PGP key yet: add one first`, {
            facts: { partner: partner.name },
          });
        }
        if (key.fingerprint !== given) throw mismatch(given, key);
        if (key.confirmedFingerprint === given) return key;
        if (!(await repos.partnerPgpKeys.confirm(partner.id, given, actor, now()))) throw mismatch(given, key);
        await repos.audit.append({
          actor,
          action: 'partner.pgp_key_confirmed',
          partnerId: partner.id,
          details: { fingerprint: given },
        });
        return (await repos.partnerPgpKeys.find(partner.id)) as PartnerPgpKey;
      });
    },

    getPgpKey,

    /** Each partner's PGP status by partner id (a partner without a key is absent: its status is `none`). */
    async pgpStatuses(): Promise<Map<string, PgpStatus>> {
      const at = now();
      return new Map((await store.partnerPgpKeys.list()).map((key) => [key.partnerId, pgpStatus(key, at)]));
    },

    /** Whether keys for this partner can be delivered encrypted (the create dialog offers it only then). */
    async hasConfirmedKey(partnerNameOrId: string): Promise<boolean> {
      const key = await getPgpKey(partnerNameOrId);
      return key !== undefined && isUsable(key, now());
    },
  };
}
