import { and, asc, desc, eq, lt } from 'drizzle-orm';
import type { Delivery, DeliveryRepository } from '../../delivery/types.ts';
import type { Database } from '../client.ts';
import { deliveries } from '../schema/index.ts';

export function createDeliveryRepository(db: Database): DeliveryRepository {
  return {
    async insert(record) {
      await db.insert(deliveries).values({ ...record, status: 'pending' });
    },
    async markSent(id, sent) {
      const rows = await db
        .update(deliveries)
        .set({ status: 'sent', channelId: sent.channelId, messageTs: sent.messageTs, sentAt: sent.at })
        .where(and(eq(deliveries.id, id), eq(deliveries.status, 'pending')))
        .returning({ id: deliveries.id });
      return rows.length === 1;
    },
    async markFailed(id, failure) {
      await db
        .update(deliveries)
        .set({ status: 'failed', errorCode: failure.code, errorMessage: failure.message, failedAt: failure.at })
        .where(and(eq(deliveries.id, id), eq(deliveries.status, 'pending')));
    },
    async markConfirmed(id, by, at) {
      const rows = await db
        .update(deliveries)
        .set({ status: 'confirmed', confirmedBy: by, confirmedAt: at })
        .where(and(eq(deliveries.id, id), eq(deliveries.status, 'sent')))
        .returning({ id: deliveries.id });
      return rows.length === 1;
    },
    async findById(id) {
      const [row] = await db.select().from(deliveries).where(eq(deliveries.id, id));
      return row as Delivery | undefined;
    },
    async listForKey(keyId) {
      return (await db
        .select()
        .from(deliveries)
        .where(eq(deliveries.keyId, keyId))
        .orderBy(desc(deliveries.createdAt))) as Delivery[];
    },
    async pendingBefore(before) {
      return (await db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.status, 'pending'), lt(deliveries.createdAt, before)))
        .orderBy(asc(deliveries.createdAt))) as Delivery[];
    },
    async unconfirmedSentBefore(before) {
      return (await db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.status, 'sent'), lt(deliveries.sentAt, before)))
        .orderBy(asc(deliveries.sentAt))) as Delivery[];
    },
  };
}
