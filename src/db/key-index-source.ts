import { type Column, getTableName, type Table } from 'drizzle-orm';
import type postgres from 'postgres';
import type { IndexedKeyRecord, KeyIndexSource } from '../authz/ports.ts';
import type { Sql } from './client.ts';
import { apiKeys, partners } from './schema/index.ts';

/** A column holding a record field's values (a list's elements, or the list as an array column). Nulls are not checked: the partner join adds them. */
type Holding<T> = Column & { _: { data: NonNullable<T> extends readonly (infer E)[] ? E | E[] : NonNullable<T> } };

/**
 * Where each field of an index record is read from; the key query's column list is built from it. Typed against the
 * record, so a field added to it (to `UsabilityFields`, say) is a compile error here until it has a column of its
 * type, and then in `toRecords` until it is filled: /authz cannot silently ignore it. `permissions` come from
 * key_permissions, aggregated per key by `grantsOf`.
 */
const KEY_COLUMNS = {
  id: apiKeys.id,
  digest: apiKeys.secretDigest,
  partnerName: partners.name,
  status: apiKeys.status,
  legacy: apiKeys.legacy,
  revokeAt: apiKeys.revokeAt,
  allowedNetworks: apiKeys.allowedNetworks,
} satisfies { [F in Exclude<keyof IndexedKeyRecord, 'permissions'>]: Holding<IndexedKeyRecord[F]> };

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
 * A key row's values in KEY_FIELDS' order, as the driver returns them (arrays, not objects: no per-row object with
 * named fields). A timestamp comes as a string: drizzle switches the driver's date parsing off.
 */
type KeyRow = readonly unknown[];
/** Each field's position in a key row. */
const AT = Object.fromEntries(KEY_FIELDS.map((field, i) => [field, i])) as Record<KeyField, number>;
/** key_id, grants: endpoint ids joined with newlines (an id is `METHOD /path`, never a newline). */
type GrantRow = [string, string];

/** Keys per page: big enough that round trips do not count at 1M keys, small enough to hold as records at once. */
const PAGE = 25_000;
/**
 * Every statement that feeds the index is bounded: a query stuck behind a lock or on a slow server fails and is
 * retried instead of holding the index back silently (staleness still fails /authz closed meanwhile).
 */
const STATEMENT_TIMEOUT_MS = 10_000;
const NO_GRANTS: readonly string[] = Object.freeze([]);

/**
 * Grant lists are split once per distinct list in a page: most keys carry one of a few presets, so most keys share
 * the same array.
 */
function toRecords(rows: readonly KeyRow[], grantsOf: (id: string) => string | undefined): IndexedKeyRecord[] {
  const lists = new Map<string, readonly string[]>();
  const records: IndexedKeyRecord[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as KeyRow;
    const id = row[AT.id] as string;
    const status = row[AT.status] as IndexedKeyRecord['status'];
    const revokeAt = row[AT.revokeAt] as Date | string | null;
    const grants = grantsOf(id);
    let permissions = NO_GRANTS;
    // A revoked key is refused whatever it holds: its grants would only take memory.
    if (grants !== undefined && status === 'active') {
      let list = lists.get(grants);
      if (list === undefined) {
        list = grants.split('\n');
        lists.set(grants, list);
      }
      permissions = list;
    }
    records[i] = {
      id,
      digest: row[AT.digest] as Buffer,
      partnerName: row[AT.partnerName] as string | null,
      status,
      legacy: row[AT.legacy] as boolean,
      revokeAt: revokeAt === null ? null : new Date(revokeAt),
      permissions,
      allowedNetworks: row[AT.allowedNetworks] as string[],
    };
  }
  return records;
}

/**
 * A page's grants, walked alongside its keys: both come in key id order (the same collation) from one snapshot, so
 * the grant rows are the page's keys' in the same order, and no map of the page is needed.
 */
function inStep(grantRows: readonly GrantRow[]): { grantsOf: (id: string) => string | undefined; done(): boolean } {
  let g = 0;
  return {
    grantsOf(id) {
      const row = grantRows[g];
      if (row === undefined || row[0] !== id) return undefined;
      g++;
      return row[1];
    },
    done: () => g === grantRows.length,
  };
}

/** Connections reading pages at once: the database aggregates one page's grants while another is indexed here. */
const READERS = 2;
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

type Tx = postgres.TransactionSql;

function keysOf(tx: Tx, after: string, last: string | undefined): Promise<KeyRow[]> {
  const rows =
    last === undefined
      ? tx`
          select ${tx.unsafe(KEY_SELECT)}
            from api_keys k left join partners p on p.id = k.partner_id
           where k.id > ${after}
           order by k.id`
      : tx`
          select ${tx.unsafe(KEY_SELECT)}
            from api_keys k left join partners p on p.id = k.partner_id
           where k.id > ${after} and k.id <= ${last}
           order by k.id`;
  return rows.values() as unknown as Promise<KeyRow[]>;
}

function grantsOf(tx: Tx, after: string, last: string | undefined): Promise<GrantRow[]> {
  const rows =
    last === undefined
      ? tx`
          select key_id, string_agg(endpoint_id, E'\n') as grants from key_permissions
           where key_id > ${after}
           group by key_id order by key_id`
      : tx`
          select key_id, string_agg(endpoint_id, E'\n') as grants from key_permissions
           where key_id > ${after} and key_id <= ${last}
           group by key_id order by key_id`;
  return rows.values() as unknown as Promise<GrantRow[]>;
}

/**
 * Every key from one consistent snapshot, a page (a range of ids) at a time, without holding every row at once.
 * The page bounds are read first (every `pageSize`-th id); then READERS connections share the snapshot
 * (pg_export_snapshot) and take pages in turn, each asking for a page's keys and grants together: the database works
 * on one page while this process indexes another. A page's grants are one range scan of key_permissions' primary
 * key, aggregated per key (a subquery per key, or one row per grant, is several times slower at this size). Revoked
 * keys are kept, without their grants, so a revoked key is told apart from an unknown one and its use is still
 * counted.
 */
export function createKeyIndexSource(
  sql: Sql,
  options: { statementTimeoutMs?: number; pageSize?: number } = {},
): KeyIndexSource {
  const pageSize = Math.max(1, Math.trunc(options.pageSize ?? PAGE));
  const timeout = `set local statement_timeout = ${Math.trunc(options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS)}`;
  const snapshotRead = 'isolation level repeatable read read only';
  return {
    async loadAll(onPage) {
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
        // (after, last] for each page; the last page is open-ended.
        const pages = [...bounds, undefined].map((last, i) => ({
          after: i === 0 ? '' : (bounds[i - 1] as string),
          last,
        }));
        let taken = 0;
        let failure: unknown;
        const read = async (reader: Tx) => {
          while (failure === undefined && taken < pages.length) {
            const { after, last } = pages[taken++] as { after: string; last: string | undefined };
            const [rows, grantRows] = await Promise.all([keysOf(reader, after, last), grantsOf(reader, after, last)]);
            if (failure !== undefined) return;
            const walk = inStep(grantRows);
            const records = toRecords(rows, walk.grantsOf);
            // Cannot happen in one snapshot; if it ever did, keys would lose grants silently, so the load fails.
            if (!walk.done()) throw new Error('key_permissions rows out of step with api_keys in one snapshot');
            onPage(records);
          }
        };
        const guarded = (work: Promise<void>) =>
          work.catch((error: unknown) => {
            failure ??= error;
          });
        const helpers = Array.from({ length: Math.min(READERS, pages.length) - 1 }, () =>
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
        const [, rows, grants] = await Promise.all([
          tx.unsafe(timeout),
          tx`
            select ${tx.unsafe(KEY_SELECT)}
              from api_keys k
              left join partners p on p.id = k.partner_id
             where k.id = any(${list})`.values() as unknown as Promise<KeyRow[]>,
          tx`
            select key_id, string_agg(endpoint_id, E'\n') as grants
              from key_permissions
             where key_id = any(${list})
             group by key_id`.values() as unknown as Promise<GrantRow[]>,
        ]);
        // Two statements, two snapshots (read committed): matched by id, not by position.
        const byKey = new Map(grants);
        return toRecords(rows, (id) => byKey.get(id));
      });
    },
  };
}
