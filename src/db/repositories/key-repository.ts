import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  ilike,
  inArray,
  isNotNull,
  isNull,
  lte,
  not,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { KeyRepository } from '../../keys/key-repository.ts';
import type { ApiKey, KeyFilter } from '../../keys/types.ts';
import type { Database } from '../client.ts';
import { effectiveExpiry } from '../../keys/key-state.ts';
import { apiKeys, keyPermissions, partners } from '../schema/index.ts';

/**
 * Where every ApiKey field is stored (its permissions: key_permissions, read per batch of keys). A field added to
 * ApiKey is a compile error here until it has a column, and the row's types must be the key's.
 */
const columns = {
  id: apiKeys.id,
  hint: apiKeys.hint,
  description: apiKeys.description,
  apiType: apiKeys.apiType,
  partnerId: apiKeys.partnerId,
  partnerName: partners.name,
  status: apiKeys.status,
  legacy: apiKeys.legacy,
  createdBy: apiKeys.createdBy,
  createdAt: apiKeys.createdAt,
  revokedBy: apiKeys.revokedBy,
  revokedAt: apiKeys.revokedAt,
  revokeReason: apiKeys.revokeReason,
  revokeAt: apiKeys.revokeAt,
  replacedBy: apiKeys.replacedBy,
  lastUsedAt: apiKeys.lastUsedAt,
  expiresAt: apiKeys.expiresAt,
  allowedNetworks: apiKeys.allowedNetworks,
  version: apiKeys.version,
  kind: apiKeys.kind,
  clientId: apiKeys.clientId,
} satisfies Record<Exclude<keyof ApiKey, 'permissions'>, AnyPgColumn>;

type Row = Omit<ApiKey, 'permissions'>;

/** Read policy: LEGACY_KEYS_EXPIRE_AT ends legacy keys (their `expiresAt` is the earlier of their own and it). */
export interface KeyReadPolicy {
  legacyKeysExpireAt: Date | null;
}

function toKey(row: Row, permissions: string[], policy: KeyReadPolicy): ApiKey {
  return { ...row, expiresAt: effectiveExpiry(row.expiresAt, row.legacy, policy.legacyKeysExpireAt), permissions };
}

/** The effective expiry in SQL (`least` skips NULLs): the same rule as `effectiveExpiry`. */
function effectiveExpirySql(policy: KeyReadPolicy): SQL {
  return policy.legacyKeysExpireAt === null
    ? sql`${apiKeys.expiresAt}`
    : sql`(case when ${apiKeys.legacy} then least(${apiKeys.expiresAt}, ${policy.legacyKeysExpireAt.toISOString()}::timestamptz) else ${apiKeys.expiresAt} end)`;
}

/** The filters that read a key's state (keyState's rule, in SQL), its legacy flag and its use. */
function stateConditions(filter: KeyFilter, policy: KeyReadPolicy): SQL[] {
  const now = filter.now ?? sql`now()`;
  const expiry = effectiveExpirySql(policy);
  // Raw SQL takes no Date parameter: the time goes as text, cast.
  const at = filter.now === undefined ? sql`now()` : sql`${filter.now.toISOString()}::timestamptz`;
  // Never NULL (NOT would drop keys without a scheduled stop): a NULL revoke_at or expiry compares false here.
  const stopped = or(
    eq(apiKeys.status, 'revoked'),
    and(isNotNull(apiKeys.revokeAt), lte(apiKeys.revokeAt, now)),
    sql`coalesce(${expiry} <= ${at}, false)`,
  ) as SQL;
  const conditions: SQL[] = [];
  if (filter.state === 'revoked') conditions.push(stopped);
  if (filter.state === 'usable') conditions.push(not(stopped));
  const stopping = and(eq(apiKeys.status, 'active'), isNotNull(apiKeys.revokeAt), gt(apiKeys.revokeAt, now)) as SQL;
  if (filter.expiringWithinMs !== undefined) {
    const until = sql`(${at} + ${`${Math.trunc(filter.expiringWithinMs)} milliseconds`}::interval)`;
    const expiring = and(not(stopped), sql`coalesce(${expiry} > ${at} and ${expiry} <= ${until}, false)`) as SQL;
    conditions.push(filter.stopping === true ? (or(stopping, expiring) as SQL) : expiring);
  } else if (filter.stopping === true) conditions.push(stopping);
  if (filter.legacy !== undefined) conditions.push(eq(apiKeys.legacy, filter.legacy));
  if (filter.unused === true) conditions.push(isNull(apiKeys.lastUsedAt));
  return conditions;
}

export function createKeyRepository(db: Database, policy: KeyReadPolicy = { legacyKeysExpireAt: null }): KeyRepository {
  async function withPermissions(rows: Row[]): Promise<ApiKey[]> {
    if (rows.length === 0) return [];
    const grants = await db
      .select()
      .from(keyPermissions)
      .where(
        inArray(
          keyPermissions.keyId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(asc(keyPermissions.endpointId));
    const byKey = new Map<string, string[]>();
    for (const grant of grants) {
      const list = byKey.get(grant.keyId);
      if (list === undefined) byKey.set(grant.keyId, [grant.endpointId]);
      else list.push(grant.endpointId);
    }
    return rows.map((row) => toKey(row, byKey.get(row.id) ?? [], policy));
  }

  async function findWhere(where: SQL): Promise<ApiKey | undefined> {
    const rows = await db
      .select(columns)
      .from(apiKeys)
      .leftJoin(partners, eq(partners.id, apiKeys.partnerId))
      .where(where);
    const [key] = await withPermissions(rows);
    return key;
  }

  async function replacePermissions(keyId: string, permissions: readonly string[]): Promise<void> {
    await db.delete(keyPermissions).where(eq(keyPermissions.keyId, keyId));
    if (permissions.length > 0) {
      await db.insert(keyPermissions).values(permissions.map((endpointId) => ({ keyId, endpointId })));
    }
  }

  return {
    async insert(record) {
      const { permissions, allowedNetworks, ...row } = record;
      await db
        .insert(apiKeys)
        .values(allowedNetworks === undefined ? row : { ...row, allowedNetworks: [...allowedNetworks] });
      await replacePermissions(record.id, permissions);
    },

    async insertMany(records) {
      // Rows go as one JSON parameter per statement: a 50k-key import is a few statements, not 100k round trips.
      for (let i = 0; i < records.length; i += 5_000) {
        const chunk = records.slice(i, i + 5_000);
        const rows = chunk.map((r) => ({
          id: r.id,
          digest: r.secretDigest.toString('hex'),
          hint: r.hint,
          description: r.description,
          api_type: r.apiType,
          partner_id: r.partnerId,
          legacy: r.legacy,
          created_by: r.createdBy,
          created_at: r.createdAt.toISOString(),
        }));
        await db.execute(sql`
          insert into api_keys (id, secret_digest, hint, description, api_type, partner_id, legacy, created_by, created_at)
          select id, decode(digest, 'hex'), hint, description, api_type, partner_id, legacy, created_by, created_at
            from json_to_recordset(${JSON.stringify(rows)}::json)
                 as t(id text, digest text, hint text, description text, api_type text, partner_id text, legacy boolean,
                      created_by text, created_at timestamptz)`);
        const grants = chunk.flatMap((r) =>
          r.permissions.map((endpointId) => ({ key_id: r.id, endpoint_id: endpointId })),
        );
        if (grants.length > 0) {
          await db.execute(sql`
            insert into key_permissions (key_id, endpoint_id)
            select key_id, endpoint_id from json_to_recordset(${JSON.stringify(grants)}::json) as t(key_id text, endpoint_id text)`);
        }
      }
    },

    findById: (id) => findWhere(eq(apiKeys.id, id)),
    findByDigest: (digest) => findWhere(eq(apiKeys.secretDigest, digest)),

    async existingDigests(digests) {
      // In slices: one bind parameter per digest, and a statement takes at most 65,535 (an import may hold more keys).
      const found: Buffer[] = [];
      for (let i = 0; i < digests.length; i += 10_000) {
        const rows = await db
          .select({ digest: apiKeys.secretDigest })
          .from(apiKeys)
          .where(inArray(apiKeys.secretDigest, digests.slice(i, i + 10_000)));
        for (const row of rows) found.push(row.digest);
      }
      return found;
    },

    async list(filter) {
      const conditions: SQL[] = [];
      if (filter.status !== undefined) conditions.push(eq(apiKeys.status, filter.status));
      if (filter.partnerId !== undefined) conditions.push(eq(apiKeys.partnerId, filter.partnerId));
      conditions.push(...stateConditions(filter, policy));
      if (filter.text !== undefined && filter.text.trim() !== '') {
        const text = filter.text.trim();
        const like = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);
        const pattern = `%${like(text)}%`;
        const matches = [
          ilike(apiKeys.description, pattern),
          ilike(partners.name, pattern),
          ilike(apiKeys.id, pattern),
          ilike(apiKeys.clientId, pattern),
        ];
        // A key's last characters, as rows show them (`…c2oD`, `...c2oD` or just `c2oD`): the hint ends with them.
        const tail = text.replace(/^(…|\.\.\.)/, '');
        if (tail !== '' && tail.length <= 4) matches.push(ilike(apiKeys.hint, `%${like(tail)}`));
        conditions.push(or(...matches) as SQL);
      }
      const where = conditions.length === 0 ? undefined : and(...conditions);
      const rows = await db
        .select(columns)
        .from(apiKeys)
        .leftJoin(partners, eq(partners.id, apiKeys.partnerId))
        .where(where)
        .orderBy(desc(apiKeys.createdAt), asc(apiKeys.id))
        .limit(Math.min(filter.limit ?? 1000, 10_000))
        .offset(filter.offset ?? 0);
      const [total] = await db
        .select({ n: count() })
        .from(apiKeys)
        .leftJoin(partners, eq(partners.id, apiKeys.partnerId))
        .where(where);
      return { keys: await withPermissions(rows), total: total?.n ?? 0 };
    },

    async updateIfVersion(id, version, patch) {
      const updated = await db
        .update(apiKeys)
        .set({
          version: sql`${apiKeys.version} + 1`,
          ...(patch.description === undefined ? {} : { description: patch.description }),
          ...(patch.expiresAt === undefined ? {} : { expiresAt: patch.expiresAt }),
          ...(patch.allowedNetworks === undefined ? {} : { allowedNetworks: [...patch.allowedNetworks] }),
          ...(patch.legacy === undefined ? {} : { legacy: patch.legacy }),
        })
        .where(and(eq(apiKeys.id, id), eq(apiKeys.version, version)))
        .returning({ id: apiKeys.id });
      if (updated.length === 0) return false;
      if (patch.permissions !== undefined) await replacePermissions(id, patch.permissions);
      return true;
    },

    async revoke(id, revocation) {
      const updated = await db
        .update(apiKeys)
        .set({
          status: 'revoked',
          revokedBy: revocation.by,
          revokedAt: revocation.at,
          revokeReason: revocation.reason,
          version: sql`${apiKeys.version} + 1`,
        })
        .where(and(eq(apiKeys.id, id), eq(apiKeys.status, 'active')))
        .returning({ id: apiKeys.id });
      return updated.length > 0;
    },

    async enable(id, change) {
      const updated = await db
        .update(apiKeys)
        .set({
          status: 'active',
          revokedBy: null,
          revokedAt: null,
          revokeReason: null,
          revokeAt: null,
          ...(change === undefined ? {} : { expiresAt: change.expiresAt }),
          version: sql`${apiKeys.version} + 1`,
        })
        .where(
          and(
            eq(apiKeys.id, id),
            or(
              eq(apiKeys.status, 'revoked'),
              isNotNull(apiKeys.revokeAt),
              change === undefined
                ? undefined
                : sql`coalesce(${effectiveExpirySql(policy)} <= ${change.now.toISOString()}::timestamptz, false)`,
            ),
          ),
        )
        .returning({ id: apiKeys.id });
      return updated.length > 0;
    },

    async scheduleRevocation(id, at, replacedBy) {
      // `replaced_by is null` is re-checked after a concurrent replace commits, so only one of them gets through.
      const updated = await db
        .update(apiKeys)
        .set({ revokeAt: at, replacedBy, version: sql`${apiKeys.version} + 1` })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.replacedBy)))
        .returning({ id: apiKeys.id });
      return updated.length > 0;
    },

    async abandonSuccession(id, successorId) {
      // All in the one statement: a successor recorded since (a later replace), one that works, or one that was
      // itself replaced (the chain went on) is kept.
      const updated = await db
        .update(apiKeys)
        .set({ revokeAt: null, replacedBy: null, version: sql`${apiKeys.version} + 1` })
        .where(
          and(
            eq(apiKeys.id, id),
            eq(apiKeys.replacedBy, successorId),
            sql`exists (select 1 from ${apiKeys} as successor where successor.id = ${successorId} and successor.status = 'revoked' and successor.replaced_by is null)`,
          ),
        )
        .returning({ id: apiKeys.id });
      return updated.length > 0;
    },

    async dueForRevocation(now) {
      const rows = await db
        .select(columns)
        .from(apiKeys)
        .leftJoin(partners, eq(partners.id, apiKeys.partnerId))
        .where(and(eq(apiKeys.status, 'active'), isNotNull(apiKeys.revokeAt), lte(apiKeys.revokeAt, now)));
      return withPermissions(rows);
    },

    async expiringBetween(from, until) {
      const expiry = effectiveExpirySql(policy);
      const rows = await db
        .select(columns)
        .from(apiKeys)
        .leftJoin(partners, eq(partners.id, apiKeys.partnerId))
        .where(
          and(
            eq(apiKeys.status, 'active'),
            isNull(apiKeys.revokeAt),
            isNull(apiKeys.replacedBy),
            sql`${expiry} > ${from.toISOString()}::timestamptz`,
            sql`${expiry} <= ${until.toISOString()}::timestamptz`,
          ),
        )
        .orderBy(sql`${expiry}`, asc(apiKeys.id));
      return withPermissions(rows);
    },

    async findByIds(ids) {
      if (ids.length === 0) return [];
      const rows = await db
        .select(columns)
        .from(apiKeys)
        .leftJoin(partners, eq(partners.id, apiKeys.partnerId))
        .where(inArray(apiKeys.id, [...ids]));
      return withPermissions(rows);
    },

    async findReplacedBy(ids) {
      if (ids.length === 0) return [];
      const rows = await db
        .select(columns)
        .from(apiKeys)
        .leftJoin(partners, eq(partners.id, apiKeys.partnerId))
        .where(inArray(apiKeys.replacedBy, [...ids]));
      return withPermissions(rows);
    },
  };
}
