import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** The server the benchmarks use: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the machine's own PostgreSQL. */
export function benchServerUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** A fresh database on `base` for one benchmark run, dropped afterwards whatever state its sessions are in. */
export async function createScratchDatabase(base: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hk_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
