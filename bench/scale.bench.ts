/**
 * Scale: 1M keys. Seed time, index load time and heap in this process, two server instances' RSS and heap through
 * a sustained /authz load, and how long after its commit a 50k-key CSV import is answered 200 at both instances.
 * Needs PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/test; a
 * scratch database is created there and dropped). Run: `npm run bench -- scale` or `npx tsx bench/scale.bench.ts`.
 * SCALE_KEYS, SCALE_LOAD_SECONDS and SCALE_IMPORT_KEYS shrink it for a quick try.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { createDecider } from '../src/authz/decide.ts';
import { HEADROOM } from '../src/authz/index-sync.ts';
import { KeyIndex } from '../src/authz/key-index.ts';
import { loadCatalog } from '../src/catalog/load-catalog.ts';
import { createKeyIndexSource } from '../src/db/key-index-source.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { KEY_CHANGES_CHANNEL } from '../src/db/store.ts';
import { createSecretDigest } from '../src/keys/secret-digest.ts';
import { createSecretFormat } from '../src/keys/secret-format.ts';
import { workload } from './lib/authz-workload.ts';
import { seedScale } from './lib/scale-seed.ts';
import { benchServerUrl, createScratchDatabase } from './lib/scratch-database.ts';
import { startInstance, stopInstances } from './lib/instance.ts';
import { type Goal, reportGoal } from './lib/goal.ts';

const KEYS = Number(process.env.SCALE_KEYS ?? 1_000_000);
const KNOWN = Math.min(KEYS, 20_000);
const LOAD_SECONDS = Number(process.env.SCALE_LOAD_SECONDS ?? 30);
const SAMPLE_SECONDS = 5;
const IMPORT_KEYS = Number(process.env.SCALE_IMPORT_KEYS ?? 50_000);
const PEPPER = 'bench-pepper-0123456789abcdefghijklmnopqrstuvwxyz';
const ROOT = path.resolve(import.meta.dirname, '..');
const TARGET = { loadMs: 15_000, heapBytes: 500 * 1024 * 1024, importMs: 2_000 };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const verdict = (ok: boolean) => (ok ? 'met' : 'missed');
/** What the index costs: the JS heap plus ArrayBuffers (typed arrays and Buffers live outside the heap). */
const footprint = () => {
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, buffers: usage.arrayBuffers };
};

async function main(): Promise<void> {
  const database = await createScratchDatabase(benchServerUrl());
  const children: ChildProcess[] = [];
  const lines: string[] = [];
  const goals: Goal[] = [];
  try {
    await applyMigrations(database.url);
    const catalog = await loadCatalog(undefined);
    const secretFormat = createSecretFormat('hk');
    const digest = createSecretDigest(PEPPER);

    let started = performance.now();
    const { known, grants } = await seedScale(database.url, KEYS, {
      endpointIds: catalog.endpoints.map((e) => e.id),
      known: KNOWN,
      generate: secretFormat.generate,
      digest,
    });
    const seedMs = performance.now() - started;
    lines.push(`seed: ${KEYS} keys, ${grants} grants in ${(seedMs / 1000).toFixed(1)} s (SQL generate_series)`);

    // ---- index load time and footprint in this process
    let index: KeyIndex | undefined = new KeyIndex();
    const sql = postgres(database.url, { max: 2, onnotice: () => {} });
    gc();
    const before = footprint();
    started = performance.now();
    const cpuBefore = process.cpuUsage();
    const loading = index;
    // Sized as an instance sizes it, so the footprint below is an instance's.
    await createKeyIndexSource(sql).loadAll(
      (records) => loading.putAll(records),
      (keys) => loading.reserve(Math.ceil(keys * (1 + HEADROOM))),
    );
    const loadMs = performance.now() - started;
    const loadCpu = process.cpuUsage(cpuBefore);
    const loadLoad = loadavg()[0] as number;
    await sql.end();
    gc();
    const after = footprint();
    const heapBytes = after.heap - before.heap;
    const bufferBytes = after.buffers - before.buffers;
    const indexBytes = heapBytes + bufferBytes;
    goals.push({
      name: `index load, ${KEYS} keys`,
      figure: `${(loadMs / 1000).toFixed(1)} s`,
      target: '< 15 s',
      met: loadMs < TARGET.loadMs,
    });
    lines.push(
      `index load: ${index.size} keys in ${(loadMs / 1000).toFixed(1)} s (target < 15 s: ${verdict(loadMs < TARGET.loadMs)}); CPU in this process ${((loadCpu.user + loadCpu.system) / 1e6).toFixed(1)} s, load average ${loadLoad.toFixed(1)} when it ended`,
    );
    goals.push({
      name: `index memory, ${KEYS} keys`,
      figure: mb(indexBytes),
      target: '< 500 MB',
      met: indexBytes < TARGET.heapBytes,
    });
    lines.push(
      `index memory: ${mb(indexBytes)} = heap ${mb(heapBytes)} + array buffers ${mb(bufferBytes)}, ${(indexBytes / index.size).toFixed(0)} bytes per key (target < 500 MB: ${verdict(indexBytes < TARGET.heapBytes)}); V8 heap in use ${mb(getHeapStatistics().used_heap_size)}`,
    );

    // ---- the same decisions as the workload expects, from the 1M-key index
    const probes = workload(known, catalog.endpoints, secretFormat.generate);
    const decider = createDecider({ catalog, secretFormat, digest });
    for (const probe of probes.slice(0, 5000)) {
      const answer = decider.decide(index, probe.secret, probe.method, probe.path, new Date());
      if (answer.status !== probe.expect)
        throw new Error(
          `workload mismatch: ${probe.method} ${probe.path} gave ${answer.status}, expected ${probe.expect}`,
        );
    }
    started = performance.now();
    let decisions = 0;
    while (performance.now() - started < 2000) {
      for (const probe of probes.slice(0, 10_000))
        decider.decide(index, probe.secret, probe.method, probe.path, new Date());
      decisions += 10_000;
    }
    lines.push(
      `in-process decisions against the ${KEYS}-key index: ${Math.round(decisions / ((performance.now() - started) / 1000)).toLocaleString('en-US')}/s`,
    );
    index = undefined;
    gc();

    // ---- two instances: ready time, then RSS and heap through a sustained /authz load
    const env = {
      DATABASE_URL: database.url,
      KEY_PEPPER: PEPPER,
      AUTHZ_HOST: '127.0.0.1',
      AUTHZ_PORT: '0',
      LOG_LEVEL: 'info',
      USAGE_FLUSH_INTERVAL: '5',
    };
    started = performance.now();
    const [a, b] = await Promise.all([startInstance(env, children), startInstance(env, children)]);
    lines.push(
      `two instances ready (both loading ${KEYS} keys at once on ${cpus().length} cores) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const requests = probes.slice(0, 5000).map((p) => ({
      method: 'GET' as const,
      path: '/authz',
      headers: { 'x-api-key': p.secret, 'x-original-method': p.method, 'x-original-uri': p.path },
    }));
    const samples: Array<{ at: number; rss: number; heap: number }> = [];
    const sample = async (at: number) =>
      samples.push({ at, rss: rssOf(a.child.pid as number), heap: await heapOf(a.port) });
    await sample(0);
    const loadStarted = performance.now();
    const running = autocannon({
      url: `http://127.0.0.1:${a.port}`,
      connections: 16,
      duration: LOAD_SECONDS,
      requests,
    });
    const sampler = setInterval(
      () => void sample(Math.round((performance.now() - loadStarted) / 1000)),
      SAMPLE_SECONDS * 1000,
    );
    const result = await running;
    clearInterval(sampler);
    await sample(Math.round((performance.now() - loadStarted) / 1000));
    const first = samples[1] ?? (samples[0] as { rss: number; heap: number });
    const last = samples.at(-1) as { rss: number; heap: number };
    const rssGrowth = last.rss - first.rss;
    lines.push(
      `sustained load on instance A: ${LOAD_SECONDS} s, ${Math.round(result.requests.average).toLocaleString('en-US')} req/s, p99 ${result.latency.p99} ms, errors ${result.errors}, non-2xx ${result.non2xx}`,
    );
    lines.push(
      `  RSS / heap every ${SAMPLE_SECONDS} s: ${samples.map((s) => `${s.at}s ${mb(s.rss)}/${mb(s.heap)}`).join(', ')}`,
    );
    // Flat: after the first interval (warm-up: JIT code, connection buffers), RSS moves by less than 5%.
    goals.push({
      name: `memory flat under ${LOAD_SECONDS} s of /authz load, ${KEYS} keys`,
      figure: `RSS ${rssGrowth >= 0 ? '+' : ''}${mb(rssGrowth)}`,
      target: 'within 5%',
      met: Math.abs(rssGrowth) < 0.05 * first.rss,
    });
    lines.push(
      `  memory flat under load (RSS change after the first ${SAMPLE_SECONDS} s within 5%): ${verdict(Math.abs(rssGrowth) < 0.05 * first.rss)} (${rssGrowth >= 0 ? '+' : ''}${mb(rssGrowth)})`,
    );

    // ---- a 50k-key import: from its commit until both instances answer 200 for its keys
    const figures = await importToApplied(database.url, [a.port, b.port], secretFormat.generate);
    lines.push(
      `${IMPORT_KEYS}-key CSV import (CLI ${(figures.cliMs / 1000).toFixed(1)} s): commit → first key allowed at both ${figures.firstMs.toFixed(0)} ms, last key allowed at both ${figures.lastMs.toFixed(0)} ms (A ${figures.perInstance[0]?.toFixed(0)} ms, B ${figures.perInstance[1]?.toFixed(0)} ms) (target < 2 s: ${verdict(figures.lastMs < TARGET.importMs)})`,
    );
    goals.push({
      name: `${IMPORT_KEYS}-key import applied at both instances after its commit, ${KEYS} keys`,
      figure: `${(figures.lastMs / 1000).toFixed(1)} s`,
      target: '< 2 s',
      met: figures.lastMs < TARGET.importMs,
    });
    lines.push(`  RSS after the import: A ${mb(rssOf(a.child.pid as number))}, B ${mb(rssOf(b.child.pid as number))}`);

    console.log(
      `\nmachine: ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at the end (shared machine: absolute times are noisy)`,
    );
    for (const line of lines) console.log(line);
    for (const goal of goals) reportGoal(goal);
  } finally {
    await stopInstances(children);
    await database.drop();
  }
}

/**
 * The commit instant is when the import's first NOTIFY arrives (PostgreSQL delivers notifications at commit); from
 * then the first and last keys of the file are polled at every instance until both answer 200.
 */
async function importToApplied(url: string, ports: number[], generate: () => string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'hk-scale-import-'));
  const file = path.join(dir, 'keys.csv');
  const secrets = Array.from({ length: IMPORT_KEYS }, () => generate());
  writeFileSync(
    file,
    [
      'key,description,partner,created_at,grants',
      ...secrets.map((s, i) => `${s},Imported ${i},,2016-01-01,GET /v1/users`),
    ].join('\n'),
  );
  const listener = postgres(url, { max: 1, onnotice: () => {} });
  let committedAt: number | undefined;
  await listener.listen(KEY_CHANGES_CHANNEL, (payload) => {
    if (payload.startsWith('+')) committedAt ??= performance.now();
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  try {
    const started = performance.now();
    // The CLI from source, like the instances: the bench measures this tree whether or not dist/ is built.
    const cli = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'import', file, '--json'],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          DATA_DIR: dir,
          DATABASE_URL: url,
          KEY_PEPPER: PEPPER,
          LOG_LEVEL: 'silent',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    let cliMs = 0;
    const exited = new Promise<number | null>((resolve) =>
      cli.once('exit', (code) => {
        cliMs = performance.now() - started;
        resolve(code);
      }),
    );
    while (committedAt === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (cli.exitCode !== null && committedAt === undefined)
        throw new Error(`the import exited with ${cli.exitCode} before committing`);
    }
    const commit = committedAt;
    const until = async (port: number, secret: string) => {
      for (;;) {
        if ((await ask(agent, port, secret)) === 200) return performance.now() - commit;
        if (performance.now() - commit > 60_000) throw new Error('imported key not allowed within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const [firstA, firstB, lastA, lastB] = await Promise.all([
      until(ports[0] as number, secrets[0] as string),
      until(ports[1] as number, secrets[0] as string),
      until(ports[0] as number, secrets.at(-1) as string),
      until(ports[1] as number, secrets.at(-1) as string),
    ]);
    if ((await exited) !== 0) throw new Error('the import failed');
    // Every imported key, not just the two polled: a sample across the file at both instances.
    for (let i = 0; i < secrets.length; i += Math.max(1, Math.floor(secrets.length / 200))) {
      for (const port of ports)
        if ((await ask(agent, port, secrets[i] as string)) !== 200) throw new Error(`imported key ${i} not allowed`);
    }
    return { cliMs, firstMs: Math.max(firstA, firstB), lastMs: Math.max(lastA, lastB), perInstance: [lastA, lastB] };
  } finally {
    agent.destroy();
    await listener.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

function ask(agent: http.Agent, port: number, secret: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/authz',
        headers: { 'x-api-key': secret, 'x-original-method': 'GET', 'x-original-uri': '/v1/users' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The instance's own V8 heap in use, from its Prometheus metrics (served on the authz port by default). */
async function heapOf(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await response.text();
  const match = /nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)/.exec(text);
  return match === null ? Number.NaN : Number(match[1]);
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb === null ? Number.NaN : Number(kb[1]) * 1024;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
