import type { Sql } from 'postgres';

/**
 * A digest of every row of every table (key_usage and slack_seen_signatures excepted: /authz counters and the replay
 * guard's memory of signed Slack requests are not a change anyone made), so a
 * test can prove a refused request changed nothing at all, audit rows included.
 */
export async function snapshotDatabase(sql: Sql): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }[]>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not in ('key_usage', 'slack_seen_signatures') order by table_name`;
  const digest: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await sql.unsafe<{ n: string; h: string | null }[]>(
      `select count(*)::text as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from "${name}" t`,
    );
    digest[name] = `${row?.n}:${row?.h}`;
  }
  return digest;
}

/** Table names whose rows differ between two snapshots. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((t) => before[t] !== after[t]).sort();
}

/** Every text value of every table, for searching a database for something that must not be stored. */
export async function everyStoredText(sql: Sql): Promise<string> {
  const tables = await sql<{ name: string }[]>`
    select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`;
  const parts: string[] = [];
  for (const { name } of tables) {
    const rows = await sql.unsafe<{ t: string }[]>(`select t::text as t from "${name}" t`);
    for (const r of rows) parts.push(`${name}: ${r.t}`);
  }
  return parts.join('\n');
}
