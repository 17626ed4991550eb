/**
 * Server CPU per request: the server process's own user+system time (from /proc/<pid>/stat) over the requests it
 * answered while a load generator in another process (autocannon, here in the bench process) kept it busy. Unlike
 * requests per second this does not depend on how much of the machine the load generator or a neighbour takes.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in ticks of 1/100 s on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export interface CpuRound {
  /** Server CPU microseconds per answered request. */
  cpuUs: number;
  rps: number;
  requests: number;
  /** Answers other than the expected status, and errors (a wrong workload would make the figure meaningless). */
  unexpected: Record<string, number>;
}

export async function measureServerCpu(options: {
  pid: number;
  port: number;
  requests: autocannon.Request[];
  seconds: number;
  connections: number;
  expectStatus: number;
}): Promise<CpuRound> {
  const unexpected: Record<string, number> = {};
  const before = cpuSecondsOf(options.pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${options.port}`,
    connections: options.connections,
    duration: options.seconds,
    requests: options.requests,
    setupClient: (client) => {
      client.on('response', (status: number) => {
        if (status !== options.expectStatus) unexpected[status] = (unexpected[status] ?? 0) + 1;
      });
    },
  });
  const cpu = cpuSecondsOf(options.pid) - before;
  const requests = result.requests.total;
  if (result.errors > 0) unexpected.errors = result.errors;
  if (result.timeouts > 0) unexpected.timeouts = result.timeouts;
  return { cpuUs: (cpu * 1e6) / Math.max(1, requests), rps: result.requests.average, requests, unexpected };
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
