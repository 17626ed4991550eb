import { asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Partner, PartnerRepository } from '../../partners/types.ts';
import type { Database } from '../client.ts';
import { partnerPresets, partners } from '../schema/index.ts';

export function createPartnerRepository(db: Database): PartnerRepository {
  async function withPresets(rows: (typeof partners.$inferSelect)[]): Promise<Partner[]> {
    if (rows.length === 0) return [];
    const presets = await db
      .select()
      .from(partnerPresets)
      .where(
        inArray(
          partnerPresets.partnerId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(asc(partnerPresets.endpointId));
    return rows.map((row) => ({
      ...row,
      preset: presets.filter((p) => p.partnerId === row.id).map((p) => p.endpointId),
    }));
  }

  async function setPreset(partnerId: string, preset: readonly string[]): Promise<void> {
    await db.delete(partnerPresets).where(eq(partnerPresets.partnerId, partnerId));
    if (preset.length > 0)
      await db.insert(partnerPresets).values(preset.map((endpointId) => ({ partnerId, endpointId })));
  }

  return {
    async insert(record) {
      await db.insert(partners).values({
        id: record.id,
        name: record.name,
        contactSlackUserIds: [...record.contactSlackUserIds],
        createdBy: record.createdBy,
        ...(record.defaultNetworks === undefined ? {} : { defaultNetworks: [...record.defaultNetworks] }),
      });
      await setPreset(record.id, record.preset);
    },
    async findById(id) {
      const [partner] = await withPresets(await db.select().from(partners).where(eq(partners.id, id)));
      return partner;
    },
    async findByName(name) {
      const rows = await db.select().from(partners).where(sql`lower(${partners.name}) = lower(${name.trim()})`);
      const [partner] = await withPresets(rows);
      return partner;
    },
    async list(options = {}) {
      return withPresets(
        await db
          .select()
          .from(partners)
          .where(options.includeArchived === true ? undefined : isNull(partners.archivedAt))
          .orderBy(asc(sql`lower(${partners.name})`)),
      );
    },
    async update(id, patch) {
      await db
        .update(partners)
        .set({
          ...(patch.name === undefined ? {} : { name: patch.name }),
          ...(patch.contactSlackUserIds === undefined ? {} : { contactSlackUserIds: [...patch.contactSlackUserIds] }),
          ...(patch.defaultNetworks === undefined ? {} : { defaultNetworks: [...patch.defaultNetworks] }),
          updatedAt: new Date(),
          version: sql`${partners.version} + 1`,
        })
        .where(eq(partners.id, id));
      if (patch.preset !== undefined) await setPreset(id, patch.preset);
    },
    async setArchived(id, archived) {
      await db
        .update(partners)
        .set({
          archivedAt: archived?.at ?? null,
          archivedBy: archived?.by ?? null,
          updatedAt: new Date(),
          version: sql`${partners.version} + 1`,
        })
        .where(eq(partners.id, id));
    },
  };
}
