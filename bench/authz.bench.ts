/**
 * Enforcement: in-process decisions per second with 100k keys (beside createHmac alone), the server's own CPU time
 * per request for a bare node:http 200, /healthz and an allowed /authz (alternating rounds, median ratio; load from
 * autocannon in this process), `/authz` throughput and latency against a bare node:http server in the same run, revocation propagation between two server processes (also while a 50k-key CSV
 * import runs and right after it commits), and memory with 100k keys. Harvest v3 clients beside keys: access tokens
 * issued per second (POST /oauth/token, server CPU per token) and /authz server CPU per allowed request with a Bearer
 * access token next to the same figure for a Basic key.
 * Needs PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL (a scratch database is created there and dropped), by
 * default the machine's postgres://postgres@127.0.0.1:5432/test. Run: `npm run bench` or `npx tsx bench/authz.bench.ts`;
 * `BENCH_HOT_PATH_ONLY=1` for the decision and CPU figures alone (BENCH_ROUNDS, BENCH_CPU_SECONDS tune them).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { createDecider } from '../src/authz/decide.ts';
import { KeyIndex } from '../src/authz/key-index.ts';
import { loadCatalog } from '../src/catalog/load-catalog.ts';
import { openRuntime } from '../src/compose.ts';
import { loadConfig } from '../src/config.ts';
import { createKeyIndexSource } from '../src/db/key-index-source.ts';
import { benchServerUrl, createScratchDatabase } from './lib/scratch-database.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { createSecretDigest } from '../src/keys/secret-digest.ts';
import { createSecretFormat } from '../src/keys/secret-format.ts';
import { createLogger } from '../src/logger.ts';
import { fill, seed, seedClient, workload } from './lib/authz-workload.ts';
import { type CpuRound, measureServerCpu, median } from './lib/server-cpu.ts';
import { revocationsDuringImport } from './lib/import-revocations.ts';
import { startInstance, stopInstances } from './lib/instance.ts';
import { reportGoal } from './lib/goal.ts';

const KEYS = Number(process.env.BENCH_KEYS ?? 100_000);
const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 120);
const IMPORT_KEYS = Number(process.env.BENCH_IMPORT_KEYS ?? 50_000);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
// Bare and /authz alternate, so a neighbour's load on a shared machine hits both alike; the median ratio is reported.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CPU_SECONDS = Number(process.env.BENCH_CPU_SECONDS ?? 4);
// BENCH_HOT_PATH_ONLY=1: decisions and server CPU only (goals 3 and 4), skipping throughput, propagation and import.
const HOT_PATH_ONLY = process.env.BENCH_HOT_PATH_ONLY === '1';
const THROUGHPUT = !HOT_PATH_ONLY;
const CONNECTIONS = 32;
const PEPPER = 'bench-pepper-0123456789abcdefghijklmnopqrstuvwxyz';
const ROOT = path.resolve(import.meta.dirname, '..');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;

async function main(): Promise<void> {
  const database = await createScratchDatabase(benchServerUrl());
  const databaseUrl = database.url;
  const children: ChildProcess[] = [];
  try {
    await applyMigrations(databaseUrl);
    const catalog = await loadCatalog(undefined);
    const secretFormat = createSecretFormat('hk');
    const digest = createSecretDigest(PEPPER);

    // ---- seed 100k keys straight into the tables (the service would take minutes one by one)
    let started = performance.now();
    const keys = await seed(
      databaseUrl,
      KEYS,
      catalog.endpoints.map((e) => e.id),
      secretFormat.generate,
      digest,
    );
    console.log(`seeded ${KEYS} keys in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const client = await seedClient(
      databaseUrl,
      catalog.endpoints.map((e) => e.id),
      secretFormat.generate,
      digest,
    );

    // ---- memory and load time of the index with 100k keys
    const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    started = performance.now();
    const index = new KeyIndex();
    await createKeyIndexSource(sql).loadAll((records) => {
      for (const record of records) index.put(record);
    });
    const loadMs = performance.now() - started;
    await sql.end();
    gc();
    const heapIndex = process.memoryUsage().heapUsed - heapBefore;

    // ---- in-process decisions on one core
    const probes = workload(keys, catalog.endpoints, secretFormat.generate);
    const decider = createDecider({ catalog, secretFormat, digest });
    const check = { 200: 0, 401: 0, 403: 0 } as Record<number, number>;
    for (const probe of probes.slice(0, 2000)) {
      const verdict = decider.decide(index, probe.secret, probe.method, probe.path, Date.now());
      if (verdict.status !== probe.expect)
        throw new Error(
          `workload mismatch: ${probe.method} ${probe.path} gave ${verdict.status}, expected ${probe.expect}`,
        );
    }
    for (const probe of probes) check[probe.expect] = (check[probe.expect] ?? 0) + 1;
    const decisionsPerSecond = measureDecisions(() => {
      let n = 0;
      for (const probe of probes) {
        decider.decide(index, probe.secret, probe.method, probe.path, Date.now());
        n++;
      }
      return n;
    });
    const hmacPerSecond = measureDecisions(() => {
      for (const probe of probes) digest(probe.secret);
      return probes.length;
    });

    // ---- /authz under load, beside a bare node:http server
    const env = {
      DATABASE_URL: databaseUrl,
      KEY_PEPPER: PEPPER,
      AUTHZ_HOST: '127.0.0.1',
      AUTHZ_PORT: '0',
      LOG_LEVEL: 'info',
      USAGE_FLUSH_INTERVAL: '10',
    };
    const [a, b] = await Promise.all([
      startInstance(env, children),
      HOT_PATH_ONLY ? undefined : startInstance(env, children),
    ]);
    const bare = await startBare(children);
    const rssAReady = rssOf(a.child.pid as number);
    const requests = probes.slice(0, 5000).map((p) => ({
      method: 'GET' as const,
      path: '/authz',
      headers: {
        authorization: `Basic ${Buffer.from(`${p.secret}:`).toString('base64')}`,
        'x-original-method': p.method,
        'x-original-uri': p.path,
      },
    }));
    const bareRequests = requests.map((r) => ({ ...r, path: '/' }));
    // Server CPU per request (goal: /authz allowed ≥ 0.70x as cheap as a bare node:http 200): allowed probes only,
    // Basic keys; bare, /healthz and /authz take turns so a neighbour's load hits all three alike.
    const allowedRequests = probes
      .filter((p) => p.expect === 200)
      .slice(0, 5000)
      .map((p) => ({
        method: 'GET' as const,
        path: '/authz',
        headers: {
          authorization: `Basic ${Buffer.from(`${p.secret}:`).toString('base64')}`,
          'x-original-method': p.method,
          'x-original-uri': p.path,
        },
      }));
    const healthRequests = [{ method: 'GET' as const, path: '/healthz' }];
    // Harvest v3: a token for the client (every scope it holds), then the same allowed requests with it as Bearer.
    const clientBasic = `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`;
    const tokenRequests = [
      {
        method: 'POST' as const,
        path: '/oauth/token',
        headers: { authorization: clientBasic, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      },
    ];
    const tokenAnswer = await fetch(`http://127.0.0.1:${a.port}/oauth/token`, tokenRequests[0]);
    const { access_token: accessToken } = (await tokenAnswer.json()) as { access_token: string };
    if (tokenAnswer.status !== 200) throw new Error(`no access token for the bench client: ${tokenAnswer.status}`);
    const bearerRequests = allowedRequests.map((r) => ({
      ...r,
      headers: { ...r.headers, authorization: `Bearer ${accessToken}` },
    }));
    const cpuRound = (pid: number, port: number, list: autocannon.Request[], seconds = CPU_SECONDS) =>
      measureServerCpu({ pid, port, requests: list, seconds, connections: CONNECTIONS, expectStatus: 200 });
    await cpuRound(bare.pid, bare.port, bareRequests, 2);
    await cpuRound(a.child.pid as number, a.port, healthRequests, 1);
    await cpuRound(a.child.pid as number, a.port, allowedRequests, 3);
    await cpuRound(a.child.pid as number, a.port, bearerRequests, 2);
    const cpuRounds: Array<{ bare: CpuRound; healthz: CpuRound; authz: CpuRound; bearer: CpuRound }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      cpuRounds.push({
        bare: await cpuRound(bare.pid, bare.port, bareRequests),
        healthz: await cpuRound(a.child.pid as number, a.port, healthRequests),
        authz: await cpuRound(a.child.pid as number, a.port, allowedRequests),
        bearer: await cpuRound(a.child.pid as number, a.port, bearerRequests),
      });
    }
    // Token issuance: every request authenticates the client (one HMAC, one index lookup) and signs a token.
    const issuance = await cpuRound(a.child.pid as number, a.port, tokenRequests);
    // A wrong status means a wrong workload (fatal); a client timeout on an overloaded shared machine is only reported.
    for (const r of [
      ...cpuRounds.flatMap((round) => [round.bare, round.healthz, round.authz, round.bearer]),
      issuance,
    ]) {
      const { errors, timeouts, ...statuses } = r.unexpected;
      if (Object.keys(statuses).length > 0)
        throw new Error(
          `CPU rounds: answers other than 200 (the figure would not be about allowed requests): ${JSON.stringify(statuses)}`,
        );
      if (errors !== undefined || timeouts !== undefined)
        console.log(
          `(a CPU round had ${errors ?? 0} client errors, ${timeouts ?? 0} timeouts: the machine is overloaded)`,
        );
    }
    // Throughput and latency with the whole workload mix (allowed, denied, unknown keys).
    const rounds: Array<{ bare: LoadResult; authz: LoadResult }> = [];
    if (THROUGHPUT) {
      await load(bare.port, bareRequests, 2);
      await load(a.port, requests, 2);
      for (let round = 0; round < ROUNDS; round++) {
        rounds.push({
          bare: await load(bare.port, bareRequests, LOAD_SECONDS),
          authz: await load(a.port, requests, LOAD_SECONDS),
        });
      }
    }
    const rssA = rssOf(a.child.pid as number);

    // ---- revocation propagation: a writer revokes, instances A and B must refuse
    const toA: number[] = [];
    const toB: number[] = [];
    let importFigures: Awaited<ReturnType<typeof revocationsDuringImport>> | undefined;
    if (b !== undefined) {
      const runtime = await openRuntime(
        loadConfig({ DATABASE_URL: databaseUrl, KEY_PEPPER: PEPPER, LOG_LEVEL: 'silent' }),
        createLogger('silent'),
        { migrate: false },
      );
      const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      const victims = keys.filter((k) => k.permissions.length > 0).slice(0, REVOCATIONS);
      for (const victim of victims) {
        const endpoint = catalog.byId.get(victim.permissions[0] as string);
        if (endpoint === undefined) continue;
        const probe = { secret: victim.secret, method: endpoint.method, path: fill(endpoint.path) };
        if ((await ask(agent, a.port, probe)) !== 200 || (await ask(agent, b.port, probe)) !== 200)
          throw new Error('victim not allowed before revocation');
        await runtime.keys.revoke(victim.id, { actor: 'bench' });
        const committed = performance.now();
        const [ms1, ms2] = await Promise.all([
          untilDenied(agent, a.port, probe, committed),
          untilDenied(agent, b.port, probe, committed),
        ]);
        toA.push(ms1);
        toB.push(ms2);
      }
      toA.sort((x, y) => x - y);
      toB.sort((x, y) => x - y);

      // ---- revocation while a 50k-key CSV import runs on the CLI, and right after it commits
      importFigures = await revocationsDuringImport({
        root: ROOT,
        env: { DATABASE_URL: databaseUrl, KEY_PEPPER: PEPPER, LOG_LEVEL: 'silent' },
        keys: IMPORT_KEYS,
        newSecret: secretFormat.generate,
        victims: keys
          .filter((k) => k.permissions.length > 0)
          .slice(REVOCATIONS)
          .flatMap((k) => {
            const endpoint = catalog.byId.get(k.permissions[0] as string);
            return endpoint === undefined
              ? []
              : [{ id: k.id, probe: { secret: k.secret, method: endpoint.method, path: fill(endpoint.path) } }];
          }),
        instances: [a.port, b.port],
        ask: (port, probe) => ask(agent, port, probe),
        revoke: async (id) => {
          await runtime.keys.revoke(id, { actor: 'bench' });
        },
        afterCommit: 20,
      });
      agent.destroy();
      await runtime.close();
    }

    // ---- report
    const ratio = (r: { bare: LoadResult; authz: LoadResult }) => r.authz.rps / r.bare.rps;
    console.log(
      `\nmachine: ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at the end (other work on a shared machine slows every figure alike; compare within the run)`,
    );
    console.log(
      `\nkeys: ${KEYS} (${check[200]} allowed / ${check[403]} denied / ${check[401]} unknown probes in the workload)`,
    );
    console.log(
      `index load: ${loadMs.toFixed(0)} ms; index heap ${mb(heapIndex)}; bench process heap ${mb(process.memoryUsage().heapUsed)}, RSS ${mb(process.memoryUsage().rss)}`,
    );
    console.log(`server instance with ${KEYS} keys: RSS ${mb(rssAReady)} when ready, ${mb(rssA)} after the load test`);
    console.log(
      `in-process decisions, per second of CPU on one core: ${fmt(decisionsPerSecond)}/s (${(1e9 / decisionsPerSecond).toFixed(0)} ns each); createHmac HMAC-SHA256 alone: ${fmt(hmacPerSecond)}/s`,
    );
    const cpuRatios = cpuRounds.map((r) => r.bare.cpuUs / r.authz.cpuUs);
    cpuRounds.forEach((r, i) => {
      console.log(
        `server CPU round ${i + 1} (${CONNECTIONS} connections, ${CPU_SECONDS} s each): bare node:http ${r.bare.cpuUs.toFixed(1)} µs/req (${fmt(r.bare.rps)} req/s) | /healthz ${r.healthz.cpuUs.toFixed(1)} µs/req (${fmt(r.healthz.rps)} req/s) | /authz allowed ${r.authz.cpuUs.toFixed(1)} µs/req (${fmt(r.authz.rps)} req/s) | bare/authz ${(cpuRatios[i] as number).toFixed(2)}x`,
      );
    });
    const cpuRatio = median(cpuRatios);
    const keyUs = median(cpuRounds.map((r) => r.authz.cpuUs));
    const bearerUs = median(cpuRounds.map((r) => r.bearer.cpuUs));
    console.log(
      `Harvest v3 clients: /authz server CPU per allowed request with a Bearer access token ${bearerUs.toFixed(1)} µs beside ${keyUs.toFixed(1)} µs with a Basic key (${(bearerUs / keyUs).toFixed(2)}x; medians of ${ROUNDS} rounds, same requests)`,
    );
    console.log(
      `Harvest v3 clients: POST /oauth/token ${fmt(issuance.rps)} tokens/s on one instance (${CONNECTIONS} connections, ${CPU_SECONDS} s; load generator on the same machine), ${issuance.cpuUs.toFixed(1)} µs server CPU per token (${fmt(1e6 / issuance.cpuUs)}/s per core)`,
    );
    console.log(
      `goal 3, /authz server CPU per allowed request (Basic key, ${KEYS} keys): bare ${median(cpuRounds.map((r) => r.bare.cpuUs)).toFixed(1)} µs, /healthz ${median(cpuRounds.map((r) => r.healthz.cpuUs)).toFixed(1)} µs, /authz ${median(cpuRounds.map((r) => r.authz.cpuUs)).toFixed(1)} µs (medians); ` +
        `bare/authz median ratio ${cpuRatio.toFixed(2)}x, target ≥ 0.70x: ${cpuRatio >= 0.7 ? 'met' : 'missed'} ` +
        `(bare/healthz ${median(cpuRounds.map((r) => r.bare.cpuUs / r.healthz.cpuUs)).toFixed(2)}x: what the listener costs with no decision at all)`,
    );
    // On a quiet machine createHmac alone ran ~326k/s when the 300k/s target was set: the relative figure is the one
    // a busy (shared) machine cannot distort.
    console.log(
      `goal 4, in-process decisions on one core (${KEYS} keys): ${fmt(decisionsPerSecond)}/s, target ≥ 300,000/s: ${decisionsPerSecond >= 300_000 ? 'met' : 'missed'}; ` +
        `${(decisionsPerSecond / hmacPerSecond).toFixed(2)}x the createHmac-alone rate measured beside it (target 300k/326k = 0.92x: ${decisionsPerSecond / hmacPerSecond >= 300 / 326 ? 'met' : 'missed'})`,
    );
    reportGoal({
      name: `/authz server CPU per allowed request vs bare node:http 200 (${KEYS} keys)`,
      figure: `bare/authz ${cpuRatio.toFixed(2)}x (/authz ${median(cpuRounds.map((r) => r.authz.cpuUs)).toFixed(1)} µs, bare ${median(cpuRounds.map((r) => r.bare.cpuUs)).toFixed(1)} µs)`,
      target: '≥ 0.70x',
      met: cpuRatio >= 0.7,
    });
    reportGoal({
      name: `in-process decisions on one core (${KEYS} keys)`,
      figure: `${fmt(decisionsPerSecond)}/s`,
      target: '≥ 300,000/s',
      met: decisionsPerSecond >= 300_000,
    });
    rounds.forEach((r, i) => {
      console.log(
        `load round ${i + 1} (${CONNECTIONS} connections, ${LOAD_SECONDS} s, workload mix): bare node:http ${fmt(r.bare.rps)} req/s p50 ${r.bare.p50} ms p99 ${r.bare.p99} ms | /authz ${fmt(r.authz.rps)} req/s p50 ${r.authz.p50} ms p99 ${r.authz.p99} ms | ratio ${(ratio(r) * 100).toFixed(1)}%` +
          (r.authz.errors + r.authz.non2xx5xx > 0 ? ` (authz errors ${r.authz.errors}, 5xx ${r.authz.non2xx5xx})` : ''),
      );
    });
    if (rounds.length > 0)
      console.log(
        `/authz throughput vs bare (both limited by the shared cores, see the CPU figures above): median ratio ${(median(rounds.map(ratio)) * 100).toFixed(1)}%`,
      );
    if (importFigures === undefined) return;
    console.log(
      `revocation → refusal over ${toB.length} revocations: instance A p50 ${percentile(toA, 0.5).toFixed(2)} ms p99 ${percentile(toA, 0.99).toFixed(2)} ms | instance B p50 ${percentile(toB, 0.5).toFixed(2)} ms p99 ${percentile(toB, 0.99).toFixed(2)} ms max ${(toB.at(-1) as number).toFixed(2)} ms (target p99 < 200 ms)`,
    );
    const spread = (values: number[]) => {
      const sorted = [...values].sort((x, y) => x - y);
      return sorted.length === 0
        ? 'none measured'
        : `p50 ${percentile(sorted, 0.5).toFixed(0)} ms max ${(sorted.at(-1) as number).toFixed(0)} ms`;
    };
    console.log(
      `revocation during a ${IMPORT_KEYS}-key CSV import (CLI, ${importFigures.importSeconds.toFixed(1)} s), both instances: ` +
        `${importFigures.during.denied.length / 2} revocations while it ran → 401 ${spread(importFigures.during.denied)} (first refusal ${spread(importFigures.during.refused)}); ` +
        `${importFigures.after.denied.length / 2} right after its commit → 401 ${spread(importFigures.after.denied)} (first refusal ${spread(importFigures.after.refused)}) (target < 1 s)`,
    );
    console.log(
      `targets: propagation ${percentile(toB, 0.99) < 200 ? 'met' : 'MISSED'}; heap ${heapIndex < 150 * 1024 * 1024 ? 'met' : 'MISSED'}`,
    );
  } finally {
    await stopInstances(children);
    await database.drop();
  }
}

/**
 * Passes per second of this process's own CPU time (user + system), not of wall clock: on a shared 2-core machine a
 * neighbour's work takes the core away for part of a wall-clock second, and "on one core" would then count the time
 * the decisions did not run. The loop is single-threaded; V8's GC helper threads count too (they do its work).
 */
function measureDecisions(pass: () => number): number {
  pass(); // warm-up
  let count = 0;
  const started = process.cpuUsage();
  const cpuMs = () => {
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1000;
  };
  while (cpuMs() < 3000) count += pass();
  return count / (cpuMs() / 1000);
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx5xx: number;
}

async function load(port: number, requests: autocannon.Request[], seconds: number): Promise<LoadResult> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx5xx: result['5xx'],
  };
}

function ask(
  agent: http.Agent,
  port: number,
  probe: { secret: string; method: string; path: string },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/authz',
        headers: { 'x-api-key': probe.secret, 'x-original-method': probe.method, 'x-original-uri': probe.path },
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

async function untilDenied(
  agent: http.Agent,
  port: number,
  probe: { secret: string; method: string; path: string },
  since: number,
): Promise<number> {
  for (;;) {
    if ((await ask(agent, port, probe)) === 401) return performance.now() - since;
    if (performance.now() - since > 10_000) throw new Error('revocation did not propagate within 10 s');
  }
}

/** The baseline: node:http answering 200 with the same cache header, in a process of its own like the instance. */
function startBare(children: ChildProcess[]): Promise<{ port: number; pid: number }> {
  const code = `require('node:http').createServer((q, s) => { s.writeHead(200, ['cache-control', 'no-store', 'content-length', '0']); s.end(); })
    .listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve) =>
    child.stdout?.once('data', (chunk) => resolve({ port: Number(String(chunk).trim()), pid: child.pid as number })),
  );
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb === null ? Number.NaN : Number(kb[1]) * 1024;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
