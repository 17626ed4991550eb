import { and, asc, eq, gt, inArray, isNull, lte } from 'drizzle-orm';
import type { ApprovalPayload, ApprovalRepository, ApprovalRequest } from '../../approvals/types.ts';
import type { Database } from '../client.ts';
import { approvalDecisions, approvalRequests, keyReveals } from '../schema/index.ts';

type Row = typeof approvalRequests.$inferSelect;

export function createApprovalRepository(db: Database): ApprovalRepository {
  async function withDecisions(rows: Row[]): Promise<ApprovalRequest[]> {
    if (rows.length === 0) return [];
    const decisions = await db
      .select()
      .from(approvalDecisions)
      .where(
        inArray(
          approvalDecisions.requestId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(asc(approvalDecisions.at));
    return rows.map((row) => ({
      ...row,
      payload: row.payload as ApprovalPayload,
      outcome: (row.outcome ?? null) as Record<string, unknown> | null,
      decisions: decisions
        .filter((d) => d.requestId === row.id)
        .map((d) => ({ approver: d.approver, decision: d.decision, reason: d.reason, at: d.at })),
    }));
  }

  return {
    async insert(request) {
      await db.insert(approvalRequests).values(request);
    },
    async findById(id) {
      const [request] = await withDecisions(
        await db.select().from(approvalRequests).where(eq(approvalRequests.id, id)),
      );
      return request;
    },
    async lockPending(id) {
      // Serialises deciders on one request, so a count of approvals is never read while another is being added.
      const rows = await db.select().from(approvalRequests).where(eq(approvalRequests.id, id)).for('update');
      const [request] = await withDecisions(rows);
      return request;
    },
    async listPending(now) {
      return withDecisions(
        await db
          .select()
          .from(approvalRequests)
          .where(and(eq(approvalRequests.state, 'pending'), gt(approvalRequests.expiresAt, now)))
          .orderBy(asc(approvalRequests.createdAt)),
      );
    },
    async addDecision(requestId, decision) {
      const inserted = await db
        .insert(approvalDecisions)
        .values({ requestId, ...decision })
        .onConflictDoNothing()
        .returning({ approver: approvalDecisions.approver });
      return inserted.length > 0;
    },
    async transition(id, from, to, fields = {}) {
      const updated = await db
        .update(approvalRequests)
        .set({
          state: to,
          ...(fields.outcome === undefined ? {} : { outcome: fields.outcome }),
          ...(fields.decidedAt === undefined ? {} : { decidedAt: fields.decidedAt }),
        })
        .where(and(eq(approvalRequests.id, id), eq(approvalRequests.state, from)))
        .returning({ id: approvalRequests.id });
      return updated.length > 0;
    },
    async setCard(id, channel, ts) {
      await db.update(approvalRequests).set({ cardChannel: channel, cardTs: ts }).where(eq(approvalRequests.id, id));
    },
    async expiredPending(now) {
      return withDecisions(
        await db
          .select()
          .from(approvalRequests)
          .where(and(eq(approvalRequests.state, 'pending'), lte(approvalRequests.expiresAt, now))),
      );
    },
    async insertReveal(reveal) {
      await db.insert(keyReveals).values(reveal);
    },
    async findReveal(id) {
      const [reveal] = await db.select().from(keyReveals).where(eq(keyReveals.id, id));
      return reveal;
    },
    async findRevealByRequest(requestId) {
      const [reveal] = await db.select().from(keyReveals).where(eq(keyReveals.requestId, requestId));
      return reveal;
    },
    async claimReveal(id, requester, now) {
      const claimed = await db
        .update(keyReveals)
        .set({ usedAt: now })
        .where(
          and(
            eq(keyReveals.id, id),
            eq(keyReveals.requester, requester),
            isNull(keyReveals.usedAt),
            isNull(keyReveals.expiredAt),
            gt(keyReveals.expiresAt, now),
          ),
        )
        .returning({ id: keyReveals.id });
      return claimed.length > 0;
    },
    async setRevealKey(id, keyId) {
      await db.update(keyReveals).set({ keyId }).where(eq(keyReveals.id, id));
    },
    async expiredReveals(now) {
      return db
        .select()
        .from(keyReveals)
        .where(and(isNull(keyReveals.usedAt), isNull(keyReveals.expiredAt), lte(keyReveals.expiresAt, now)));
    },
    async markRevealExpired(id, now) {
      const updated = await db
        .update(keyReveals)
        .set({ expiredAt: now })
        .where(and(eq(keyReveals.id, id), isNull(keyReveals.usedAt), isNull(keyReveals.expiredAt)))
        .returning({ id: keyReveals.id });
      return updated.length > 0;
    },
  };
}
