import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';

export interface GpgResult {
  code: number;
  stdout: string;
  stderr: string;
  status: string;
}

/**
 * A throwaway GnuPG home: real `gpg` (/usr/bin/gpg) as a partner would run it, with empty passphrases in batch mode.
 * Its own agent is stopped by `dispose`.
 */
export interface GnupgHome {
  dir: string;
  run(args: string[], input?: string): Promise<GpgResult>;
  /** `--quick-gen-key`; returns the new primary key's fingerprint. */
  generate(userId: string, algo: string, usage: string, expire: string, extra?: string[]): Promise<string>;
  addSubkey(fingerprint: string, algo: string, usage: string, expire?: string): Promise<void>;
  exportPublic(...fingerprints: string[]): Promise<string>;
  exportSecret(fingerprint: string): Promise<string>;
  /** Applies the revocation certificate gpg wrote when it generated the key. */
  revoke(fingerprint: string): Promise<void>;
  dispose(): Promise<void>;
}

const BATCH = ['--batch', '--yes', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', ''];

export async function createGnupgHome(): Promise<GnupgHome> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hk-gnupg-'));
  const run = (args: string[], input?: string): Promise<GpgResult> =>
    new Promise((resolve, reject) => {
      const child = spawn('gpg', ['--homedir', dir, '--status-fd', '3', ...args], {
        env: { ...process.env, GNUPGHOME: dir, LC_ALL: 'C' },
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      });
      const out = { stdout: '', stderr: '', status: '' };
      child.stdout.on('data', (chunk) => {
        out.stdout += String(chunk);
      });
      child.stderr.on('data', (chunk) => {
        out.stderr += String(chunk);
      });
      (child.stdio[3] as Readable).on('data', (chunk) => {
        out.status += String(chunk);
      });
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? 1, ...out }));
      // gpg may exit before reading stdin (commands that take no input): its exit code is the answer, not EPIPE.
      child.stdin.on('error', () => {});
      child.stdin.end(input ?? '');
    });
  const must = async (args: string[], input?: string): Promise<GpgResult> => {
    const result = await run(args, input);
    if (result.code !== 0) throw new Error(`gpg ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result;
  };
  const fingerprintOf = async (userId: string): Promise<string> => {
    const listed = await must(['--with-colons', '--list-keys', `=${userId}`]);
    const line = listed.stdout.split('\n').find((l) => l.startsWith('fpr:'));
    if (line === undefined) throw new Error(`no key for ${userId}`);
    return line.split(':')[9] as string;
  };
  return {
    dir,
    run,
    async generate(userId, algo, usage, expire, extra = []) {
      await must([...BATCH, ...extra, '--quick-gen-key', userId, algo, usage, expire]);
      return fingerprintOf(userId);
    },
    async addSubkey(fingerprint, algo, usage, expire = 'never') {
      await must([...BATCH, '--quick-add-key', fingerprint, algo, usage, expire]);
    },
    async exportPublic(...fingerprints) {
      return (await must(['--armor', '--export', ...fingerprints])).stdout;
    },
    async exportSecret(fingerprint) {
      return (await must([...BATCH, '--armor', '--export-secret-keys', fingerprint])).stdout;
    },
    async revoke(fingerprint) {
      const certificate = await readFile(path.join(dir, 'openpgp-revocs.d', `${fingerprint}.rev`), 'utf8');
      // gpg prefixes the armor line with ':' so the certificate cannot be imported by accident.
      await must([...BATCH, '--import'], certificate.replace(/^:-----BEGIN/m, '-----BEGIN'));
    },
    async dispose() {
      await new Promise((resolve) =>
        execFile('gpgconf', ['--homedir', dir, '--kill', 'all'], { env: { ...process.env, GNUPGHOME: dir } }, resolve),
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
}
