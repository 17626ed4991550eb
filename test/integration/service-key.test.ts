import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKey } from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServiceSigningKey, SERVICE_KEY_FILE } from '../../src/delivery/service-key.ts';
import { createHttpServer, type HttpServer, listen } from '../../src/http/server.ts';
import { serviceKeyRoute } from '../../src/http/service-key-route.ts';
import { createLogger } from '../../src/logger.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hk-service-key-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the service signing key', () => {
  it('is generated once in DATA_DIR as an owner-only file, then reused', async () => {
    const dataDir = path.join(dir, 'generated');
    const first = await loadServiceSigningKey({ dataDir });
    expect(first).toMatchObject({ source: 'generated', file: path.join(dataDir, SERVICE_KEY_FILE) });
    expect(first.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect((await stat(path.join(dataDir, SERVICE_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect(first.publicArmored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect(first.publicArmored).not.toContain('PRIVATE');
    // An ECC v4 key (EdDSA legacy): what GnuPG 2.2 verifies. Not RFC 9580's Ed25519, not v6.
    expect(first.privateKey.keyPacket.version).toBe(4);
    expect(first.privateKey.getAlgorithmInfo()).toMatchObject({ algorithm: 'eddsaLegacy' });

    const again = await loadServiceSigningKey({ dataDir });
    expect(again).toMatchObject({ source: 'file', fingerprint: first.fingerprint });
  });

  it('generates exactly one key when two processes start at once', async () => {
    const dataDir = path.join(dir, 'race');
    const [a, b] = await Promise.all([loadServiceSigningKey({ dataDir }), loadServiceSigningKey({ dataDir })]);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it('uses SERVICE_PGP_PRIVATE_KEY with its passphrase, and says clearly when the passphrase is missing or wrong', async () => {
    const { privateKey } = await generateKey({
      type: 'ecc',
      userIDs: [{ name: 'ops' }],
      passphrase: 'correct horse',
      format: 'armored',
    });
    const supplied = await loadServiceSigningKey({
      privateArmored: privateKey,
      passphrase: 'correct horse',
      dataDir: path.join(dir, 'unused'),
    });
    expect(supplied.source).toBe('config');
    // Environment files often hold the armor on one line with literal \n.
    const oneLine = privateKey.replace(/\n/g, '\\n');
    expect(
      (await loadServiceSigningKey({ privateArmored: oneLine, passphrase: 'correct horse', dataDir: dir })).fingerprint,
    ).toBe(supplied.fingerprint);

    await expect(loadServiceSigningKey({ privateArmored: privateKey, dataDir: dir })).rejects.toMatchObject({
      code: 'SERVICE_KEY_INVALID',
      message: expect.stringMatching(/set SERVICE_PGP_PASSPHRASE/),
    });
    await expect(
      loadServiceSigningKey({ privateArmored: privateKey, passphrase: 'wrong', dataDir: dir }),
    ).rejects.toMatchObject({
      code: 'SERVICE_KEY_INVALID',
      message: expect.stringMatching(/SERVICE_PGP_PASSPHRASE is wrong/),
    });
    await expect(loadServiceSigningKey({ privateArmored: 'not a key', dataDir: dir })).rejects.toMatchObject({
      code: 'SERVICE_KEY_INVALID',
    });
  });

  it('refuses supplied keys whose signatures GnuPG 2.2 could not verify (v6, RFC 9580 Ed25519)', async () => {
    const v6 = await generateKey({
      type: 'curve25519',
      userIDs: [{ name: 'ops' }],
      config: { v6Keys: true },
      format: 'armored',
    });
    await expect(loadServiceSigningKey({ privateArmored: v6.privateKey, dataDir: dir })).rejects.toMatchObject({
      code: 'SERVICE_KEY_INVALID',
      message: expect.stringMatching(/version 6 key/),
    });
    const rfc9580 = await generateKey({ type: 'curve25519', userIDs: [{ name: 'ops' }], format: 'armored' });
    await expect(loadServiceSigningKey({ privateArmored: rfc9580.privateKey, dataDir: dir })).rejects.toMatchObject({
      code: 'SERVICE_KEY_INVALID',
      message: expect.stringMatching(/GnuPG 2\.2 \/ 2\.4 cannot verify/),
    });
  });
});

describe('GET /pgp/service.asc', () => {
  let http: HttpServer;
  let ready = false;
  let fingerprint = '';
  beforeAll(async () => {
    const provider = { get: () => loadServiceSigningKey({ dataDir: path.join(dir, 'http') }) };
    fingerprint = (await provider.get()).fingerprint;
    http = createHttpServer({
      logger: createLogger('silent'),
      readiness: [],
      routes: [serviceKeyRoute(() => (ready ? provider : undefined))],
    });
    await listen(http.server, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await http.close();
  });
  const url = (p = '/pgp/service.asc') => `http://127.0.0.1:${http.port()}${p}`;

  it('answers 503 while the server is still starting, then serves the public key as application/pgp-keys', async () => {
    expect((await fetch(url())).status).toBe(503);
    ready = true;
    const response = await fetch(url());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pgp-keys');
    expect(response.headers.get('x-pgp-fingerprint')).toBe(fingerprint);
    const body = await response.text();
    expect(body).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect(body).not.toMatch(/PRIVATE/);
    const stored = await readFile(path.join(dir, 'http', SERVICE_KEY_FILE), 'utf8');
    expect(body).not.toBe(stored);
  });

  it('allows only GET and HEAD, on exactly that path', async () => {
    ready = true;
    expect((await fetch(url(), { method: 'POST' })).status).toBe(405);
    const head = await fetch(url(), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(url('/pgp/service.asc/other'))).status).toBe(404);
  });
});
