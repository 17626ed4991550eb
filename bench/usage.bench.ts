/**
 * Usage aggregation (issue 16, "memory stays bounded"): /authz at 10k requests a second spread evenly over 100k keys ×
 * the catalog's 143 endpoints (the worst case: nearly every request a new key × endpoint), flushed every 10 s.
 * Reports the recorder's CPU time per request, the process's memory at the end of each flush interval (steady, and
 * through a database outage where every flush fails), and how long one interval's counts take to write to PostgreSQL.
 * The write needs PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/test;
 * a scratch database is created and dropped) and is skipped without it. Run: `npm run bench -- usage` or
 * `npx tsx bench/usage.bench.ts`; USAGE_INTERVALS and USAGE_KEYS shrink it.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import postgres from 'postgres';
import type { UsageBatch } from '../src/authz/ports.ts';
import { createUsageRecorder, MAX_PENDING_COUNTS } from '../src/authz/usage-recorder.ts';
import { loadCatalog } from '../src/catalog/load-catalog.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { createUsageSink } from '../src/db/usage-store.ts';
import { newKeyId } from '../src/shared/ids.ts';
import { median, reportGoal } from './lib/goal.ts';
import { benchServerUrl, createScratchDatabase } from './lib/scratch-database.ts';

const KEYS = Number(process.env.USAGE_KEYS ?? 100_000);
const INTERVALS = Number(process.env.USAGE_INTERVALS ?? 30);
const RATE = 10_000;
const FLUSH_SECONDS = 10;
const PER_INTERVAL = RATE * FLUSH_SECONDS;
const TARGET_NS = 1_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
/** The JS heap plus ArrayBuffers (the recorder's table is a typed array, outside the heap). */
const footprint = () => {
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};
/** This process's CPU time in nanoseconds: a neighbour's load on a shared machine does not count against it. */
const cpuNs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
};

/** The request stream: key and endpoint indexes drawn up front, so the timed loop draws no random numbers. */
function stream(size: number, keys: number, endpoints: number) {
  const key = new Uint32Array(size);
  const endpoint = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    key[i] = randomInt(keys);
    endpoint[i] = randomInt(endpoints);
  }
  return { key, endpoint };
}

interface Run {
  /** The recorder's CPU time per request: the timed loop less the same loop around a recorder that does nothing. */
  nsPerRequest: number[];
  /** The same loop around a recorder that does nothing (reading the stream, the call itself). */
  loopNs: number[];
  /** Footprint at the end of each interval, before its flush, above the footprint with the stream drawn. */
  pending: number[];
  flushMs: number[];
  dropped: number;
  /** What the last flush wrote, chunk by chunk. */
  lastFlush: UsageBatch[];
}

async function run(keyIds: string[], endpointIds: string[], failing: boolean): Promise<Run> {
  let flushed: UsageBatch[] = [];
  const recorder = createUsageRecorder({
    async write(batch) {
      if (failing) throw new Error('database down');
      flushed.push(batch);
    },
  });
  const size = 1 << 22;
  const { key, endpoint } = stream(size, keyIds.length, endpointIds.length);
  const base = footprint();
  const result: Run = { nsPerRequest: [], loopNs: [], pending: [], flushMs: [], dropped: 0, lastFlush: [] };
  // Reads what record() reads (the key's hash lives in its string), so the difference is the recorder's own work.
  let touched = 0;
  const idle = {
    record(keyId: string, endpointId: string, allowed: boolean, nowMs: number) {
      touched += keyId.length + endpointId.length + (allowed ? 1 : 0) + (nowMs > 0 ? 1 : 0);
    },
  };
  const start = Date.UTC(2026, 11, 2, 0, 0);
  /** One interval's requests from `from` on, through `target`: its CPU time per request. */
  const loop = (target: { record: typeof idle.record }, from: number): number => {
    const started = cpuNs();
    for (let j = from; j < from + PER_INTERVAL; j++) {
      const at = j & (size - 1);
      target.record(
        keyIds[key[at] as number] as string,
        endpointIds[endpoint[at] as number] as string,
        (j & 15) !== 0,
        start + (j * 1000) / RATE,
      );
    }
    return (cpuNs() - started) / PER_INTERVAL;
  };
  for (let interval = 0; interval < INTERVALS; interval++) {
    const from = interval * PER_INTERVAL;
    const empty = loop(idle, from);
    const full = loop(recorder, from);
    result.loopNs.push(empty);
    result.nsPerRequest.push(Math.max(0, full - empty));
    result.pending.push(footprint() - base);
    flushed = [];
    const flushStarted = performance.now();
    await recorder.flush().catch(() => {});
    result.flushMs.push(performance.now() - flushStarted);
  }
  result.dropped = recorder.stats().dropped;
  if (touched === 0) console.log('(the idle loop read nothing)');
  result.lastFlush = flushed;
  return result;
}

/** Writes one interval's counts (and last-used times) to PostgreSQL as the server's flush does. */
async function databaseWrite(keyIds: string[], batches: UsageBatch[]): Promise<number | undefined> {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  try {
    database = await createScratchDatabase(benchServerUrl());
  } catch (error) {
    console.log(`PostgreSQL not reachable (${(error as Error).message}): the write to the database is not measured`);
    return undefined;
  }
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  try {
    await applyMigrations(database.url);
    // The sink joins on api_keys (counts of a deleted key are dropped): the keys must exist.
    for (let offset = 0; offset < keyIds.length; offset += 10_000) {
      const ids = keyIds.slice(offset, offset + 10_000);
      await sql`
        insert into api_keys (id, secret_digest, hint, description, api_type, created_by)
        select id, decode(digest, 'hex'), 'abcd', 'bench', 'Harvest', 'bench'
          from unnest(${ids}::text[], ${ids.map(() => randomBytes(32).toString('hex'))}::text[]) as t(id, digest)`;
    }
    const sink = createUsageSink(sql);
    const started = performance.now();
    for (const batch of batches) await sink.write(batch);
    const ms = performance.now() - started;
    const [row] = await sql<{ rows: string }[]>`select count(*) as rows from key_usage`;
    const used = batches.reduce((n, b) => n + b.lastUsed.length, 0);
    console.log(`wrote ${row?.rows} key_usage rows and ${used} last-used times`);
    return ms;
  } finally {
    await sql.end();
    await database.drop();
  }
}

async function main(): Promise<void> {
  const catalog = await loadCatalog(undefined);
  const endpointIds = [...catalog.endpoints.map((e) => e.id), '-'];
  const keyIds = Array.from({ length: KEYS }, () => newKeyId());
  console.log(
    `${KEYS} keys × ${catalog.endpoints.length} endpoints, ${RATE} requests/s, a flush every ${FLUSH_SECONDS} s (${PER_INTERVAL} requests), ${INTERVALS} intervals`,
  );

  const steady = await run(keyIds, endpointIds, false);
  // The first intervals warm the JIT and size the table; the figure is the median of the rest.
  const settled = steady.nsPerRequest.slice(2);
  const ns = median(settled);
  console.log(
    `steady: ${ns.toFixed(0)} ns CPU per request in the recorder (median; ${Math.min(...settled).toFixed(0)}–${Math.max(...settled).toFixed(0)}), beside ${median(steady.loopNs.slice(2)).toFixed(0)} ns for the loop around it; flush (batch built, no database) median ${median(steady.flushMs).toFixed(0)} ms`,
  );
  const pending = steady.pending.slice(2);
  const growth = Math.max(...pending) - (pending[0] as number);
  console.log(
    `steady: the recorder's memory at the end of each interval ${mb(Math.min(...pending))}–${mb(Math.max(...pending))} (growth over ${pending.length} intervals ${mb(growth)})`,
  );

  const outage = await run(keyIds, endpointIds, true);
  const peak = Math.max(...outage.pending);
  console.log(
    `outage (every flush fails): the recorder's memory ${outage.pending
      .map((p, i) => (i % 5 === 4 ? mb(p) : undefined))
      .filter((p) => p !== undefined)
      .join(' → ')}; ${outage.dropped} new combinations not counted past ${MAX_PENDING_COUNTS} waiting`,
  );

  reportGoal({
    name: 'usage: recording cost per request (10k req/s, 100k keys × 143 endpoints)',
    figure: `${ns.toFixed(0)} ns CPU`,
    target: `≤ ${TARGET_NS} ns`,
    met: ns <= TARGET_NS,
  });
  reportGoal({
    name: 'usage: memory between flushes does not grow (steady)',
    figure: `${mb(growth)} growth over ${pending.length} intervals`,
    target: '≤ 8 MB',
    met: growth <= 8 * 1024 * 1024,
  });
  // The bound: the live table and its spare at MAX_PENDING_COUNTS (32 MB each) and the keys' slots.
  const bound = 96 * 1024 * 1024;
  reportGoal({
    name: 'usage: memory bounded while every flush fails',
    figure: `${mb(peak)} at most through ${INTERVALS} failed flushes`,
    target: `≤ ${mb(bound)}`,
    met: peak <= bound,
  });

  if (steady.lastFlush.length > 0) {
    const counts = steady.lastFlush.reduce((n, b) => n + b.counts.length, 0);
    const writeMs = await databaseWrite(keyIds, steady.lastFlush);
    if (writeMs !== undefined) {
      reportGoal({
        name: 'usage: one interval written to PostgreSQL within the interval',
        figure: `${writeMs.toFixed(0)} ms for ${counts} counts in ${steady.lastFlush.length} writes`,
        target: `≤ ${FLUSH_SECONDS * 1000} ms`,
        met: writeMs <= FLUSH_SECONDS * 1000,
      });
    }
  }
}

await main();
