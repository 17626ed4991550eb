import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, listen } from '../../src/http/server.ts';
import { serviceKeyRoute } from '../../src/http/service-key-route.ts';
import type { DeliveryService } from '../../src/delivery/delivery-service.ts';
import { createLogger } from '../../src/logger.ts';
import { aPartnerName, anAdmin } from '../fixtures/actors.ts';
import { createGnupgHome, type GnupgHome } from '../helpers/gnupg.ts';
import { recordingMessenger } from '../helpers/recording-messenger.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

/** Partner keys as partners make them: stock GnuPG 2.2, the usual algorithms. */
const RECIPIENTS = [
  { name: 'Curve25519 (ed25519 + cv25519)', algo: 'future-default', usage: 'default', subkey: undefined },
  { name: 'RSA-3072', algo: 'rsa3072', usage: 'sign', subkey: 'rsa3072' },
  { name: 'RSA-4096', algo: 'rsa4096', usage: 'sign', subkey: 'rsa4096' },
] as const;

let rt: TestRuntime;
let gpg: GnupgHome;
let dataDir: string;
let delivery: DeliveryService;
const messenger = recordingMessenger();
const fingerprints = new Map<string, string>();
let serviceFingerprint: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'hk-pgp-data-'));
  [rt, gpg] = await Promise.all([createTestRuntime({ env: { DATA_DIR: dataDir } }), createGnupgHome()]);
  delivery = rt.createDeliveryService(messenger);
  for (const [index, recipient] of RECIPIENTS.entries()) {
    const fingerprint = await gpg.generate(
      `Partner ${index} <partner${index}@example.com>`,
      recipient.algo,
      recipient.usage,
      'never',
    );
    if (recipient.subkey !== undefined) await gpg.addSubkey(fingerprint, recipient.subkey, 'encr');
    fingerprints.set(recipient.name, fingerprint);
  }
  // The partner imports the service key from the published URL, as the README tells them to.
  const http = createHttpServer({
    logger: createLogger('silent'),
    readiness: [],
    routes: [serviceKeyRoute(() => rt.serviceKey)],
  });
  await listen(http.server, 0, '127.0.0.1');
  try {
    const response = await fetch(`http://127.0.0.1:${http.port()}/pgp/service.asc`);
    expect(response.headers.get('content-type')).toBe('application/pgp-keys');
    const imported = await gpg.run(['--batch', '--import'], await response.text());
    expect(imported.code).toBe(0);
    serviceFingerprint = (await rt.serviceKey.get()).fingerprint;
    expect(imported.status).toContain(`IMPORT_OK 1 ${serviceFingerprint}`);
  } finally {
    await http.close();
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([rt?.dispose(), gpg?.dispose()]);
  await rm(dataDir, { recursive: true, force: true });
});

describe.each(RECIPIENTS)('delivering to a GnuPG $name key', (recipient) => {
  it('decrypts with gpg to exactly the secret, verifies as signed by the service key, and the secret works', async () => {
    const fingerprint = fingerprints.get(recipient.name) as string;
    const admin = anAdmin();
    const partner = await rt.partners.create({
      actor: admin,
      name: aPartnerName(),
      contacts: ['U0PARTNER1'],
      preset: ['GET /v1/candidates'],
    });
    const armoredKey = await gpg.exportPublic(fingerprint);
    const set = await rt.partnerPgp.setPgpKey(partner.name, armoredKey, admin, {
      confirmFingerprint: fingerprint.toLowerCase(),
    });
    expect(set.info.fingerprint).toBe(fingerprint);
    expect(set.confirmed).toBe(true);

    const issued = await rt.keys.create({ actor: admin, partner: partner.name });
    const record = await delivery.deliver({ issued, actor: admin });
    expect(record).toMatchObject({
      status: 'sent',
      recipientFingerprint: fingerprint,
      contactSlackUserId: 'U0PARTNER1',
    });
    const message = messenger.sent.at(-1);
    expect(message?.armoredMessage).toMatch(/^-----BEGIN PGP MESSAGE-----/);
    expect(message?.armoredMessage).not.toContain(issued.secret);

    const decrypted = await gpg.run(['--batch', '--decrypt'], message?.armoredMessage);
    expect(decrypted.code).toBe(0);
    expect(decrypted.stdout).toBe(issued.secret);
    expect(decrypted.status).toMatch(/GOODSIG [0-9A-F]{16} harvest-keys key delivery/);
    expect(decrypted.status).toMatch(new RegExp(`VALIDSIG [0-9A-F]{40} .* ${serviceFingerprint}\\n`));
    expect(decrypted.status).toContain('DECRYPTION_OKAY');
    expect(decrypted.status).toContain('GOODMDC');

    const check = await rt.keys.check(decrypted.stdout, 'GET', '/v1/candidates');
    expect(check).toMatchObject({ outcome: 'decided', key: { id: issued.key.id }, decision: { allowed: true } });
  });
});
