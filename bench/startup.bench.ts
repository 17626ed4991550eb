/**
 * Start-up time: wall clock from spawning `npm start` to its "harvest-keys is ready" log line and to the first
 * `/readyz` 200, on an existing data folder and on a fresh one (embedded PostgreSQL, no Slack), median of BENCH_RUNS
 * (default 5), against a bare `node -e 0` in the same run. The compiled entry point (`node dist/main.js`, without npm
 * and the build check in front of it) is measured too when dist/ exists. Each line also gives the CPU time the start
 * used (its whole process group, PostgreSQL included): on a shared, busy machine wall clock mostly measures the
 * queue for a core, CPU time what the start itself costs.
 * Run: `npm run bench -- startup` or `npx tsx bench/startup.bench.ts`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { median, reportGoal } from './lib/goal.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGETS_MS = { existing: 1_500, fresh: 4_000 } as const;
const READY_LINE = /"msg":"harvest-keys is ready"/;
const LISTENING_LINE = /"port":(\d+),"msg":"listening/;

interface Sample {
  readyLine: number;
  readyz: number;
  /** CPU time (user + system) of everything the start ran until its ready line: npm, the build check, node, PostgreSQL. */
  cpu: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/**
 * CPU used so far by a process group: its live members' own time plus what their exited children (the build check,
 * initdb) used. Unlike wall clock, barely moved by other load on the machine.
 */
function groupCpuMs(pgid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command: state ppid pgrp ... utime(14) stime(15) cutime(16) cstime(17).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue;
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks * TICK_MS;
}

function readyzOk(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

/** The service's own environment: embedded PostgreSQL on a free port, no Slack, whatever ./.env says. */
function serviceEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    DATA_DIR: dataDir,
    AUTHZ_PORT: '0',
    AUTHZ_HOST: '127.0.0.1',
    // Below Linux's ephemeral range (32768+), where a port can be taken by any outgoing connection of the moment.
    EMBEDDED_PG_PORT: String(20_000 + Math.floor(Math.random() * 12_000)),
    // Empty (not unset) so a developer's .env cannot point the run at another database or at Slack.
    DATABASE_URL: '',
    KEY_PEPPER: '',
    SLACK_BOT_TOKEN: '',
    SLACK_SIGNING_SECRET: '',
    SLACK_APP_TOKEN: '',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  };
}

async function stopGroup(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-(child.pid as number), 'SIGTERM');
    await exited;
  }
  // The next run on this folder must start its own PostgreSQL, as a real start after a stop does.
  for (let i = 0; i < 200 && existsSync(path.join(dataDir, 'pg', 'postmaster.pid')); i++)
    await new Promise((r) => setTimeout(r, 50));
}

/** One start: spawn → ready line and → first /readyz 200; then a graceful stop of the whole process group. */
async function startOnce(command: string[], dataDir: string): Promise<Sample> {
  const started = performance.now();
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: ROOT,
    env: serviceEnv(dataDir),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  try {
    const sample: Partial<Sample> = {};
    let port: number | undefined;
    while (sample.readyLine === undefined || sample.readyz === undefined) {
      if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode}:\n${output}`);
      if (performance.now() - started > 60_000) throw new Error(`${command.join(' ')} not ready in 60 s:\n${output}`);
      port ??= Number(LISTENING_LINE.exec(output)?.[1] ?? Number.NaN) || undefined;
      if (sample.readyLine === undefined && READY_LINE.test(output)) {
        sample.readyLine = performance.now() - started;
        sample.cpu = groupCpuMs(child.pid as number);
      }
      if (sample.readyz === undefined && port !== undefined && (await readyzOk(port)))
        sample.readyz = performance.now() - started;
      await new Promise((r) => setTimeout(r, 10));
    }
    return sample as Sample;
  } finally {
    await stopGroup(child, dataDir);
  }
}

/** `node -e 0`, timed the same way; its CPU is what the bare process reports it used (start-up included). */
function bare(): { wall: number; cpu: number } {
  const started = performance.now();
  const { stdout } = spawnSync(process.execPath, [
    '-e',
    'const u = process.cpuUsage(); console.log((u.user + u.system) / 1000)',
  ]);
  return { wall: performance.now() - started, cpu: Number(String(stdout).trim()) };
}

async function main(): Promise<void> {
  const variants: { name: string; command: string[] }[] = [
    { name: 'npm start', command: ['npm', 'start', '--silent'] },
  ];
  if (existsSync(path.join(ROOT, 'dist/main.js')))
    variants.push({ name: 'node dist/main.js', command: [process.execPath, 'dist/main.js'] });

  const existingDir = mkdtempSync(path.join(tmpdir(), 'hk-bench-start-'));
  const scratch: string[] = [existingDir];
  try {
    // The first start creates the folder every "existing" run reuses (and builds dist/ if npm start builds).
    await startOnce(variants[0]?.command as string[], existingDir);
    const baseline: { wall: number; cpu: number }[] = [];
    const samples = new Map<string, Sample[]>();
    for (let round = 0; round < RUNS; round++) {
      baseline.push(bare());
      for (const variant of variants) {
        for (const kind of ['existing', 'fresh'] as const) {
          const dir = kind === 'existing' ? existingDir : mkdtempSync(path.join(tmpdir(), 'hk-bench-start-'));
          if (kind === 'fresh') scratch.push(dir);
          const key = `${variant.name}|${kind}`;
          samples.set(key, [...(samples.get(key) ?? []), await startOnce(variant.command, dir)]);
          if (kind === 'fresh') rmSync(dir, { recursive: true, force: true });
        }
      }
    }

    const fmt = (ms: number) => `${Math.round(ms).toLocaleString('en-US').padStart(6)} ms`;
    const bareWall = median(baseline.map((b) => b.wall));
    console.log(
      `start-up, median of ${RUNS} (embedded PostgreSQL, no Slack); \`node -e 0\` in the same run: ${fmt(bareWall)} ` +
        `(CPU ${fmt(median(baseline.map((b) => b.cpu)))}); load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`,
    );
    for (const variant of variants) {
      for (const kind of ['existing', 'fresh'] as const) {
        const runs = samples.get(`${variant.name}|${kind}`) ?? [];
        const readyLine = median(runs.map((s) => s.readyLine));
        const readyz = median(runs.map((s) => s.readyz));
        const cpu = median(runs.map((s) => s.cpu));
        const target = TARGETS_MS[kind];
        console.log(
          `  ${`${variant.name}, ${kind} data folder`.padEnd(42)} ready line ${fmt(readyLine)}  /readyz 200 ${fmt(readyz)}  ` +
            `(${(readyz / bareWall).toFixed(1)}× node -e 0)  CPU ${fmt(cpu)}`,
        );
        reportGoal({
          name: `start-up, ${variant.name}, ${kind} data folder`,
          figure: `${fmt(Math.max(readyLine, readyz)).trim()} to ready line and /readyz 200 (CPU ${fmt(cpu).trim()})`,
          target: `< ${fmt(target).trim()}`,
          met: Math.max(readyLine, readyz) < target,
        });
      }
    }
  } finally {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
