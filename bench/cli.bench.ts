/**
 * CLI start-up: wall clock of `harvest-keys --help` against a bare `node -e 0` (target ≤ 6×), and of `list` and
 * `check` against a running database (target < 500 ms): the machine's PostgreSQL through DATABASE_URL (a scratch
 * database) and the embedded server already running on DATA_DIR (started by the service, which the CLI finds through
 * postmaster.pid). Each database holds KEYS keys created through the key service. Median of BENCH_RUNS (default 10),
 * runs interleaved so load on the machine hits every variant alike; each line also gives the CPU time the run used
 * (the child's user + system time), which a busy, shared machine moves far less than wall clock.
 * Run: `npm run bench -- cli` or `npx tsx bench/cli.bench.ts`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { median, reportGoal } from './lib/goal.ts';
import { benchServerUrl, createScratchDatabase } from './lib/scratch-database.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/harvest-keys.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const KEYS = Number(process.env.BENCH_CLI_KEYS ?? 300);
const HELP_RATIO_TARGET = 6;
const COMMAND_TARGET_MS = 500;
const TICK_MS = 10; // USER_HZ is 100 on Linux

type Env = Record<string, string>;

/** Only what the run sets: empty (not unset) values keep a developer's .env from pointing it elsewhere. */
function baseEnv(extra: Env): Env {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    DATABASE_URL: '',
    KEY_PEPPER: '',
    SLACK_BOT_TOKEN: '',
    SLACK_SIGNING_SECRET: '',
    SLACK_APP_TOKEN: '',
    CATALOG_FILE: '',
    ...extra,
  };
}

/** CPU time of this process's reaped children so far (cutime + cstime in /proc/self/stat). */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

interface Sample {
  wall: number;
  cpu: number;
}

function timed(args: string[], env: Env, input?: string, expectStatus = 0): Sample {
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, env, input, encoding: 'utf8' });
  const wall = performance.now() - started;
  if (result.status !== expectStatus) {
    throw new Error(
      `node ${args.join(' ')} exited with ${result.status} (expected ${expectStatus}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return { wall, cpu: childrenCpuMs() - cpuBefore };
}

/** Creates KEYS keys through the key service, as the CLI or Slack would; returns one key's secret and a path it may call. */
async function seed(env: Env): Promise<{ secret: string; method: string; path: string }> {
  const [{ loadConfig }, { openRuntime }, { createLogger }] = await Promise.all([
    import('../src/config.ts'),
    import('../src/compose.ts'),
    import('../src/logger.ts'),
  ]);
  const runtime = await openRuntime(loadConfig(env), createLogger('warn'));
  try {
    const endpoints = runtime.catalog.endpoints;
    let probe: { secret: string; method: string; path: string } | undefined;
    for (let i = 0; i < KEYS; i++) {
      const grants = [0, 1, 2].map((j) => (endpoints[(i * 7 + j * 13) % endpoints.length] as { id: string }).id);
      const issued = await runtime.keys.create({
        actor: 'bench',
        description: `Bench key ${i}`,
        grants,
        applyPreset: false,
      });
      if (i === Math.floor(KEYS / 2)) {
        const endpoint = runtime.catalog.byId.get(grants[0] as string) as { method: string; path: string };
        probe = { secret: issued.secret, method: endpoint.method, path: endpoint.path.replaceAll(/:[a-z_]+/g, '42') };
      }
    }
    return probe as { secret: string; method: string; path: string };
  } finally {
    await runtime.close();
  }
}

/** The service on DATA_DIR with its embedded PostgreSQL, until its ready line. */
async function startService(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: ROOT,
    env: baseEnv({
      DATA_DIR: dataDir,
      AUTHZ_PORT: '0',
      AUTHZ_HOST: '127.0.0.1',
      // Below Linux's ephemeral range (32768+), where a port can be taken by any outgoing connection of the moment.
      EMBEDDED_PG_PORT: String(20_000 + Math.floor(Math.random() * 12_000)),
      LOG_LEVEL: 'info',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes('"msg":"harvest-keys is ready"')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the service exited with ${code}:\n${output}`)));
    setTimeout(() => reject(new Error(`the service was not ready in 60 s:\n${output}`)), 60_000).unref();
  });
  await ready;
  return child;
}

async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-(child.pid as number), 'SIGTERM');
  await exited;
}

async function main(): Promise<void> {
  // The CLI runs dist/; build it if src/ changed, so the figures are for this tree.
  const build = spawnSync(process.execPath, ['scripts/build.js', '--if-changed'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');

  const scratch = await createScratchDatabase(benchServerUrl());
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hk-bench-cli-'));
  let service: ChildProcess | undefined;
  try {
    const external = baseEnv({
      DATABASE_URL: scratch.url,
      KEY_PEPPER: 'bench-pepper-0123456789abcdefghijklmnopqrstuvwxyz',
    });
    timed([BIN, 'migrate'], external);
    const externalProbe = await seed(external);
    service = await startService(dataDir);
    const embedded = baseEnv({ DATA_DIR: dataDir });
    const embeddedProbe = await seed(embedded);

    const variants: { name: string; run(): Sample; command?: boolean }[] = [
      { name: 'node -e 0', run: () => timed(['-e', '0'], baseEnv({})) },
      { name: 'harvest-keys --help', run: () => timed([BIN, '--help'], baseEnv({})) },
      { name: 'list, DATABASE_URL', command: true, run: () => timed([BIN, 'list'], external) },
      {
        name: 'check, DATABASE_URL',
        command: true,
        run: () => timed([BIN, 'check', '-', externalProbe.method, externalProbe.path], external, externalProbe.secret),
      },
      { name: 'list, embedded running', command: true, run: () => timed([BIN, 'list'], embedded) },
      {
        name: 'check, embedded running',
        command: true,
        run: () => timed([BIN, 'check', '-', embeddedProbe.method, embeddedProbe.path], embedded, embeddedProbe.secret),
      },
    ];
    // One untimed round warms the file cache, as any second run of a command would find it.
    for (const variant of variants) variant.run();
    const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
    for (let round = 0; round < RUNS; round++)
      for (const variant of variants) samples.get(variant.name)?.push(variant.run());

    const fmt = (ms: number) => `${Math.round(ms)} ms`;
    const wallOf = (name: string) => median((samples.get(name) ?? []).map((s) => s.wall));
    const cpuOf = (name: string) => median((samples.get(name) ?? []).map((s) => s.cpu));
    console.log(
      `CLI, median of ${RUNS} (wall clock, CPU); ${KEYS} keys in each database; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`,
    );
    for (const variant of variants)
      console.log(
        `  ${variant.name.padEnd(26)} ${fmt(wallOf(variant.name)).padStart(8)}  CPU ${fmt(cpuOf(variant.name)).padStart(7)}`,
      );
    const bare = wallOf('node -e 0');
    const help = wallOf('harvest-keys --help');
    reportGoal({
      name: 'CLI --help start-up',
      figure: `${fmt(help)} = ${(help / bare).toFixed(1)}x node -e 0 (${fmt(bare)})`,
      target: `<= ${HELP_RATIO_TARGET}x node -e 0`,
      met: help / bare <= HELP_RATIO_TARGET,
    });
    for (const variant of variants.filter((v) => v.command)) {
      const wall = wallOf(variant.name);
      reportGoal({
        name: `CLI ${variant.name} (${KEYS} keys)`,
        figure: fmt(wall),
        target: `< ${COMMAND_TARGET_MS} ms`,
        met: wall < COMMAND_TARGET_MS,
      });
    }
  } finally {
    if (service !== undefined) await stopService(service);
    rmSync(dataDir, { recursive: true, force: true });
    await scratch.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
