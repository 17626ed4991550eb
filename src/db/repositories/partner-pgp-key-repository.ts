import { and, eq } from 'drizzle-orm';
import type { PartnerPgpKeyRepository } from '../../partners/partner-pgp-key.ts';
import type { Database } from '../client.ts';
import { partnerPgpKeys } from '../schema/index.ts';

export function createPartnerPgpKeyRepository(db: Database): PartnerPgpKeyRepository {
  return {
    async find(partnerId) {
      const [row] = await db.select().from(partnerPgpKeys).where(eq(partnerPgpKeys.partnerId, partnerId));
      return row;
    },
    async list() {
      return db.select().from(partnerPgpKeys);
    },
    async save(record) {
      const values = {
        armoredPublicKey: record.armoredPublicKey,
        fingerprint: record.fingerprint,
        userIds: [...record.userIds],
        algorithm: record.algorithm,
        keyCreatedAt: record.keyCreatedAt,
        expiresAt: record.expiresAt,
        addedBy: record.addedBy,
        addedAt: record.addedAt,
        confirmedFingerprint: record.confirmation === null ? null : record.fingerprint,
        confirmedBy: record.confirmation?.by ?? null,
        confirmedAt: record.confirmation?.at ?? null,
      };
      await db
        .insert(partnerPgpKeys)
        .values({ partnerId: record.partnerId, ...values })
        .onConflictDoUpdate({ target: partnerPgpKeys.partnerId, set: values });
    },
    async confirm(partnerId, fingerprint, by, at) {
      const rows = await db
        .update(partnerPgpKeys)
        .set({ confirmedFingerprint: fingerprint, confirmedBy: by, confirmedAt: at })
        .where(and(eq(partnerPgpKeys.partnerId, partnerId), eq(partnerPgpKeys.fingerprint, fingerprint)))
        .returning({ partnerId: partnerPgpKeys.partnerId });
      return rows.length === 1;
    },
  };
}
