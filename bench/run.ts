/**
 * `npm run bench`: runs every `bench/*.bench.ts` in its own process (so one benchmark's warm caches and timers do not
 * skew another), one after the other, and fails if any of them fails. Each benchmark's output streams through as it
 * comes; the `goal: <name> | <figure> | <target> | met|missed` lines it prints (bench/lib/goal.ts) are collected and
 * printed as one table at the end.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { type Goal, goalTable, parseGoal } from './lib/goal.ts';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((filter) => name.includes(filter)))
  .sort();

/** Runs one benchmark, passing its output through; resolves with its exit status and the goals it reported. */
function runBench(file: string): Promise<{ status: number | null; goals: Goal[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(dir, file)], {
      stdio: ['inherit', 'pipe', 'inherit'],
    });
    const goals: Goal[] = [];
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const goal = parseGoal(line);
        if (goal !== undefined) goals.push(goal);
      }
    });
    child.on('error', reject);
    child.on('close', (status) => {
      const goal = parseGoal(partial);
      if (goal !== undefined) goals.push(goal);
      resolve({ status, goals });
    });
  });
}

const goals: Goal[] = [];
const failed: string[] = [];
for (const file of files) {
  console.log(`\n== ${file}`);
  const result = await runBench(file);
  goals.push(...result.goals);
  if (result.status !== 0) failed.push(file);
}
console.log(`\n== goals (${goals.filter((g) => g.met).length} of ${goals.length} met)`);
console.log(goals.length > 0 ? goalTable(goals) : '(no benchmark reported a goal)');
if (failed.length > 0) {
  console.error(`${failed.length} benchmark(s) failed: ${failed.join(', ')}`);
  process.exit(1);
}
