import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGnupgHome, type GnupgHome } from '../helpers/gnupg.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { TEST_PEPPER } from '../helpers/runtime.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
let gpg: GnupgHome;
let dir: string;
let env: Record<string, string>;
let fingerprint: string;
const files = { good: '', private: '' };

beforeAll(async () => {
  [database, gpg, dir] = await Promise.all([
    createTestDatabase({ migrate: false }),
    createGnupgHome(),
    mkdtemp(path.join(tmpdir(), 'hk-cli-pgp-')),
  ]);
  env = { DATABASE_URL: database.url, KEY_PEPPER: TEST_PEPPER, LOG_LEVEL: 'warn', DATA_DIR: dir };
  fingerprint = await gpg.generate('Acme Ops <ops@acme.example>', 'future-default', 'default', 'never');
  for (const [name, text] of [
    ['good', await gpg.exportPublic(fingerprint)],
    ['private', await gpg.exportSecret(fingerprint)],
  ] as const) {
    files[name] = path.join(dir, `${name}.asc`);
    await writeFile(files[name], text);
  }
  expect(await runCli(['partner', 'add', 'Acme', '--contact', 'U0ACME0001'], env)).toMatchObject({ code: 0 });
}, 120_000);

afterAll(async () => {
  await Promise.all([database?.drop(), gpg?.dispose()]);
  await rm(dir, { recursive: true, force: true });
});

const grouped = (fpr: string) =>
  `${fpr.slice(0, 20).match(/.{4}/g)?.join(' ')}  ${fpr.slice(20).match(/.{4}/g)?.join(' ')}`;

describe('harvest-keys partner key', () => {
  it('stores the key unconfirmed and prints its fingerprint, user IDs, algorithm and expiry', async () => {
    const result = await runCli(['partner', 'key', 'Acme', files.good], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('Stored the PGP key of partner "Acme"');
    expect(result.stdout).toContain(grouped(fingerprint));
    expect(result.stdout).toContain('Acme Ops <ops@acme.example>');
    expect(result.stdout).toContain('EdDSA Ed25519, encrypts with ECDH Curve25519');
    expect(result.stdout).toMatch(/expires\s+never/);
    expect(result.stdout).toMatch(/confirmed\s+NO/);
    expect(result.stdout).toContain('--confirm');
  });

  it('confirms only with the same fingerprint; a different one exits non-zero and confirms nothing', async () => {
    const wrong = await runCli(['partner', 'key', 'Acme', files.good, '--confirm', 'A'.repeat(40)], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/does not match the partner's key/);

    const right = await runCli(['partner', 'key', 'Acme', files.good, '--confirm', grouped(fingerprint)], env);
    expect(right.code).toBe(0);
    expect(right.stdout).toMatch(/confirmed\s+yes, by cli:/);
  });

  // Every refusal reason is covered in-process (pgp-key-refusals.test.ts); here, that the CLI exits 1 and says why.
  it('exits non-zero with the reason for a refused key, and for a private key says it is compromised', async () => {
    const secret = await runCli(['partner', 'key', 'Acme', files.private], env);
    expect(secret.code).toBe(1);
    expect(secret.stderr).toMatch(/PRIVATE key.*compromised/s);
    expect(secret.stdout + secret.stderr).not.toContain('PRIVATE KEY BLOCK');
  });

  it('prints the service signing key for partners', async () => {
    const result = await runCli(['pubkey', '--json'], env);
    expect(result.code).toBe(0);
    const { fingerprint: service, publicKey } = JSON.parse(result.stdout) as { fingerprint: string; publicKey: string };
    expect(service).toMatch(/^[0-9A-F]{40}$/);
    expect(publicKey).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
  });
});
