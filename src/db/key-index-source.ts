import { type Column, getTableName, type Table } from 'drizzle-orm';
import type postgres from 'postgres';
import type { IndexedKeyRecord, KeyIndexSource } from '../authz/ports.ts';
import type { Sql } from './client.ts';
import { effectiveExpiry } from '../keys/key-state.ts';
import { apiKeys, partners } from './schema/index.ts';

/**
 * What a column holds for a record field: a list's elements (or the list as an array column); a timestamp (Date)
 * for epoch milliseconds.
 */
type Stored<T> = T extends readonly (infer E)[] ? E | E[] : T extends number ? Date : T;
/** A column holding a record field's values. Nulls are not checked: the partner join adds them. */
type Holding<T> = Column & { _: { data: Stored<NonNullable<T>> } };

/**
 * Where each field of an index record is read from; the key query's column list is built from it. Typed against the
 * record, so a field added to it (to `UsabilityFields`, say) is a compile error here until it has a column of its
 * type, and then in `recordMaker` until it is filled: /authz cannot silently ignore it. `permissions` come from
 * key_permissions, aggregated per key in the same statement.
 */
const KEY_COLUMNS = {
  id: apiKeys.id,
  digest: apiKeys.secretDigest,
  partnerName: partners.name,
  status: apiKeys.status,
  legacy: apiKeys.legacy,
  revokeAt: apiKeys.revokeAt,
  expiresAt: apiKeys.expiresAt,
  allowedNetworks: apiKeys.allowedNetworks,
  clientId: apiKeys.clientId,
} satisfies { [F in Exclude<keyof IndexedKeyRecord, 'permissions' | 'revokedTokens'>]: Holding<IndexedKeyRecord[F]> };

type KeyField = keyof typeof KEY_COLUMNS;
const KEY_FIELDS = Object.keys(KEY_COLUMNS) as KeyField[];

/** The tables the key query reads, by their alias in it. */
const ALIASES = new Map<Table, string>([
  [apiKeys, 'k'],
  [partners, 'p'],
]);

function selected(column: Column): string {
  const alias = ALIASES.get(column.table);
  if (alias === undefined) throw new Error(`${getTableName(column.table)} is not joined in the key index query`);
  return `${alias}."${column.name.replaceAll('"', '""')}"`;
}

/** `k."id", k."secret_digest", p."name", ...`: one value per field, in KEY_FIELDS' order. */
const KEY_SELECT = KEY_FIELDS.map((field) => selected(KEY_COLUMNS[field])).join(', ');

/**
 * A key row's values in KEY_FIELDS' order, then its grants (endpoint ids joined with newlines: an id is
 * `METHOD /path`, never a newline; null when it holds none), as the driver returns them (arrays, not objects: no
 * per-row object with named fields). A timestamp comes as a string: drizzle switches the driver's date parsing off.
 */
type KeyRow = readonly unknown[];
/** Each field's position in a key row. */
const AT = Object.fromEntries(KEY_FIELDS.map((field, i) => [field, i])) as Record<KeyField, number>;
const GRANTS_AT = KEY_FIELDS.length;
/** After the grants: a client's revoked token ids, newline-separated (null for keys and clients without any). */
const REVOKED_AT = GRANTS_AT + 1;

/**
 * A client's unexpired revoked tokens, read only for clients (the CASE keeps keys from paying for the subquery).
 * Rows past their token's expiry are left out: such a token is refused for its expiry anyway.
 */
const REVOKED_SELECT = `case when k."client_id" is not null then (select string_agg(jti, E'\\n') from oauth_revoked_tokens t where t.key_id = k.id and t.expires_at > now()) end as revoked`;

/** Keys per page (one statement): big enough that round trips do not count at 1M keys. */
const PAGE = 25_000;
/**
 * Records handed to the index at once: few, so that a row's strings die young. Pages held whole as rows and records
 * until indexed outlived the young generation, and collecting them took longer than reading them.
 */
const BATCH = 2_048;
/**
 * Every statement that feeds the index is bounded: a query stuck behind a lock or on a slow server fails and is
 * retried instead of holding the index back silently (staleness still fails /authz closed meanwhile).
 */
const STATEMENT_TIMEOUT_MS = 10_000;
const NO_GRANTS: readonly string[] = Object.freeze([]);
/** Distinct grant lists remembered at once: the few presets most keys carry stay in it; one-off lists pass through. */
const LISTS_KEPT = 4_096;

/**
 * Turns rows into records. A grant list is split once while it is remembered: most keys carry one of a few
 * presets, so most keys share the same array, and the index works out its grant set once per array.
 */
function recordMaker(legacyKeysExpireAt: Date | null): (row: KeyRow) => IndexedKeyRecord {
  let lists = new Map<string, readonly string[]>();
  return (row) => {
    const status = row[AT.status] as IndexedKeyRecord['status'];
    const revokeAt = row[AT.revokeAt] as Date | string | null;
    const legacy = row[AT.legacy] as boolean;
    const ownExpiry = row[AT.expiresAt] as Date | string | null;
    const expiresAt = effectiveExpiry(ownExpiry === null ? null : new Date(ownExpiry), legacy, legacyKeysExpireAt);
    const grants = row[GRANTS_AT] as string | null;
    const revoked = row[REVOKED_AT] as string | null | undefined;
    let permissions = NO_GRANTS;
    // A revoked key is refused whatever it holds: its grants would only take memory.
    if (grants !== null && status === 'active') {
      let list = lists.get(grants);
      if (list === undefined) {
        list = grants.split('\n');
        if (lists.size >= LISTS_KEPT) lists = new Map();
        lists.set(grants, list);
      }
      permissions = list;
    }
    return {
      id: row[AT.id] as string,
      digest: row[AT.digest] as Buffer,
      partnerName: row[AT.partnerName] as string | null,
      status,
      legacy,
      revokeAt: revokeAt === null ? null : new Date(revokeAt),
      permissions,
      expiresAt: expiresAt === null ? null : expiresAt.getTime(),
      allowedNetworks: row[AT.allowedNetworks] as string[],
      clientId: row[AT.clientId] as string | null,
      revokedTokens: revoked == null ? NO_GRANTS : revoked.split('\n'),
    };
  };
}

/** Connections reading pages at once: the database reads and aggregates one page while this process indexes another. */
const READERS = 2;
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

type Tx = postgres.TransactionSql;

/**
 * A page's keys with their grants, in one statement: a merge join of two range scans in key id order (api_keys'
 * and key_permissions' primary keys), the grants aggregated per key. Both ranges are spelled out: the planner does
 * not carry the key range over to the grants. (Keys and grants as two statements matched up here cost more: every
 * page was then held whole to walk them in step.)
 */
function page(tx: Tx, after: string, last: string | undefined) {
  const keyRange = last === undefined ? tx`k.id > ${after}` : tx`k.id > ${after} and k.id <= ${last}`;
  const grantRange = last === undefined ? tx`key_id > ${after}` : tx`key_id > ${after} and key_id <= ${last}`;
  return tx`
    select ${tx.unsafe(KEY_SELECT)}, g.grants, ${tx.unsafe(REVOKED_SELECT)}
      from api_keys k
      left join partners p on p.id = k.partner_id
      left join (
        select key_id, string_agg(endpoint_id, E'\n') as grants from key_permissions
         where ${grantRange}
         group by key_id) g on g.key_id = k.id
     where ${keyRange}
     order by k.id`.values();
}

/**
 * Every key from one consistent snapshot, a page (a range of ids) at a time, without holding every row at once.
 * The page bounds are read first (every `pageSize`-th id); then READERS connections share the snapshot
 * (pg_export_snapshot) and take pages in turn, each asking for a page's keys and grants together: the database works
 * on one page while this process indexes another. A page is one statement, its rows taken as they arrive. Revoked
 * keys are kept, without their grants, so a revoked key is told apart from an unknown one and its use is still
 * counted.
 */
export function createKeyIndexSource(
  sql: Sql,
  options: { statementTimeoutMs?: number; pageSize?: number; legacyKeysExpireAt?: Date | null | undefined } = {},
): KeyIndexSource {
  const legacyKeysExpireAt = options.legacyKeysExpireAt ?? null;
  const pageSize = Math.max(1, Math.trunc(options.pageSize ?? PAGE));
  const timeout = `set local statement_timeout = ${Math.trunc(options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS)}`;
  const snapshotRead = 'isolation level repeatable read read only';
  return {
    async loadAll(onPage, expect) {
      await sql.begin(snapshotRead, async (tx) => {
        await tx.unsafe(timeout);
        // Planner estimates on a freshly filled table can make JIT compile for longer than the query runs.
        await tx`set local jit = off`;
        const [exported] = await tx<Array<{ snapshot: string }>>`select pg_export_snapshot() as snapshot`;
        const snapshot = exported?.snapshot ?? '';
        if (!SNAPSHOT_ID.test(snapshot)) throw new Error('unexpected snapshot id from pg_export_snapshot()');
        const bounds = (
          (await tx`
            select id from (select id, row_number() over (order by id) as n from api_keys) as k
             where n % ${pageSize} = 0 order by id`.values()) as unknown as Array<[string]>
        ).map(([id]) => id);
        // Every page but the last is full.
        expect?.((bounds.length + 1) * pageSize);
        // (after, last] for each page; the last page is open-ended.
        const pages = [...bounds, undefined].map((last, i) => ({
          after: i === 0 ? '' : (bounds[i - 1] as string),
          last,
        }));
        let taken = 0;
        let failure: unknown;
        const batchSize = Math.min(pageSize, BATCH);
        const read = async (reader: Tx) => {
          const toRecord = recordMaker(legacyKeysExpireAt);
          let batch: IndexedKeyRecord[] = [];
          while (failure === undefined && taken < pages.length) {
            const { after, last } = pages[taken++] as { after: string; last: string | undefined };
            // Row by row as they arrive: no page is held whole, neither as rows nor as records. A failure here is
            // kept and the rest of the statement's rows skipped (the driver would report it once per row).
            await page(reader, after, last).forEach((row) => {
              if (failure !== undefined) return;
              try {
                batch.push(toRecord(row as unknown as KeyRow));
                if (batch.length === batchSize) {
                  onPage(batch);
                  batch = [];
                }
              } catch (error) {
                failure ??= error;
              }
            });
          }
          if (failure === undefined && batch.length > 0) onPage(batch);
        };
        const guarded = (work: Promise<void>) =>
          work.catch((error: unknown) => {
            failure ??= error;
          });
        // A helper needs a connection of its own: with a pool of one it would wait for `tx`, which waits for it.
        const readers = Math.min(READERS, pages.length, Math.max(1, sql.options.max));
        const helpers = Array.from({ length: readers - 1 }, () =>
          guarded(
            sql.begin(snapshotRead, async (other) => {
              // Must come first in the transaction: the helper then sees exactly what `tx` sees.
              await other.unsafe(`set transaction snapshot '${snapshot}'`);
              await other.unsafe(timeout);
              await other`set local jit = off`;
              await read(other);
            }),
          ),
        );
        await Promise.all([guarded(read(tx)), ...helpers]);
        if (failure !== undefined) throw failure;
      });
    },
    async loadSome(ids) {
      if (ids.length === 0) return [];
      const list = ids as string[];
      return sql.begin('read only', async (tx) => {
        // Sent together: one round trip fewer per batch of an import.
        const [, rows] = await Promise.all([
          tx.unsafe(timeout),
          // One statement, so a key and its grants come from one snapshot; each key's grants are one index range.
          tx`
            select ${tx.unsafe(KEY_SELECT)},
                   (select string_agg(endpoint_id, E'\n') from key_permissions where key_id = k.id) as grants,
                   ${tx.unsafe(REVOKED_SELECT)}
              from api_keys k
              left join partners p on p.id = k.partner_id
             where k.id = any(${list})`.values() as unknown as Promise<KeyRow[]>,
        ]);
        return rows.map(recordMaker(legacyKeysExpireAt));
      });
    },
  };
}
