import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryService } from '../../src/delivery/delivery-service.ts';
import { aPartnerName, anAdmin } from '../fixtures/actors.ts';
import { createGnupgHome, type GnupgHome } from '../helpers/gnupg.ts';
import { recordingMessenger } from '../helpers/recording-messenger.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { recordCanary } from '../helpers/secret-canary.ts';

let rt: TestRuntime;
let gpg: GnupgHome;
let dataDir: string;
let delivery: DeliveryService;
const messenger = recordingMessenger();
let fingerprint: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'hk-pgp-client-'));
  [rt, gpg] = await Promise.all([
    createTestRuntime({ env: { DATA_DIR: dataDir, OAUTH_ISSUER: 'https://api.example.com' } }),
    createGnupgHome(),
  ]);
  delivery = rt.createDeliveryService(messenger);
  fingerprint = await gpg.generate('Partner <partner@example.com>', 'future-default', 'default', 'never');
  expect((await gpg.run(['--batch', '--import'], (await rt.serviceKey.get()).publicArmored)).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await Promise.all([rt?.dispose(), gpg?.dispose()]);
  await rm(dataDir, { recursive: true, force: true });
});

async function readyPartner() {
  const admin = anAdmin();
  const partner = await rt.partners.create({
    actor: admin,
    name: aPartnerName(),
    contacts: ['U0PARTNER1'],
    preset: ['GET /v1/candidates'],
  });
  await rt.partnerPgp.setPgpKey(partner.name, await gpg.exportPublic(fingerprint), admin, {
    confirmFingerprint: fingerprint,
  });
  return { admin, partner };
}

/** What the partner reads: gpg's output for the last message sent, with its signature checked. */
async function decryptLast(): Promise<string> {
  const message = messenger.sent.at(-1);
  const decrypted = await gpg.run(['--batch', '--decrypt'], message?.armoredMessage);
  expect(decrypted.code).toBe(0);
  expect(decrypted.status).toMatch(/GOODSIG [0-9A-F]{16} harvest-keys key delivery/);
  return decrypted.stdout;
}

describe('delivering a Harvest v3 client to a GnuPG key', () => {
  it('decrypts to the client id, the client secret and how to get a token; the message names the client', async () => {
    const { admin, partner } = await readyPartner();
    const issued = await rt.keys.create({ actor: admin, partner: partner.name, kind: 'oauth_client' });
    recordCanary(issued.secret);
    const record = await delivery.deliver({ issued, actor: admin });
    expect(record.status).toBe('sent');
    const message = messenger.sent.at(-1);
    expect(message).toMatchObject({ clientId: issued.key.clientId, keyId: issued.key.id });
    expect(message?.armoredMessage).not.toContain(issued.secret);

    const text = await decryptLast();
    expect(text).toContain(`client_id=${issued.key.clientId}`);
    expect(text).toContain(`client_secret=${issued.secret}`);
    expect(text).toContain('Harvest v3 (OAuth) client credentials');
    expect(text).toContain(
      `curl -s -u "${issued.key.clientId}:$CLIENT_SECRET" -d grant_type=client_credentials https://api.example.com/oauth/token`,
    );
    // The decrypted secret is the client's: refused as an API key, as /authz refuses it.
    const secret = /^client_secret=(\S+)$/m.exec(text)?.[1] as string;
    expect(await rt.keys.check(secret, 'GET', '/v1/candidates')).toMatchObject({
      outcome: 'client_secret',
      key: { id: issued.key.id },
    });
  });

  it('a key is still delivered as its secret alone', async () => {
    const { admin, partner } = await readyPartner();
    const issued = await rt.keys.create({ actor: admin, partner: partner.name });
    recordCanary(issued.secret);
    await delivery.deliver({ issued, actor: admin });
    expect(messenger.sent.at(-1)?.clientId).toBeNull();
    expect(await decryptLast()).toBe(issued.secret);
  });

  it('an upgraded key is delivered as the new client, with the same permissions', async () => {
    const { admin, partner } = await readyPartner();
    const key = await rt.keys.create({ actor: admin, partner: partner.name, grants: ['GET /v1/users'] });
    recordCanary(key.secret);
    const upgraded = await rt.keys.upgrade(key.key.id, { actor: admin });
    recordCanary(upgraded.secret);
    await delivery.deliver({ issued: upgraded, actor: admin });
    const text = await decryptLast();
    expect(text).toContain(`client_id=${upgraded.key.clientId}`);
    expect(text).toContain(`client_secret=${upgraded.secret}`);
    expect(upgraded.key.permissions).toEqual(key.key.permissions);
  });
});
