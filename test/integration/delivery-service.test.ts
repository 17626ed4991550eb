import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryService, type DeliveryService } from '../../src/delivery/delivery-service.ts';
import { type DirectMessenger, MessengerError } from '../../src/delivery/types.ts';
import { type AppError, isAppError } from '../../src/shared/errors.ts';
import { aPartnerName, anAdmin } from '../fixtures/actors.ts';
import { createGnupgHome, type GnupgHome } from '../helpers/gnupg.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { recordingMessenger } from '../helpers/recording-messenger.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

const CONTACT = 'U0CONTACT1';
const logs = captureLogs('trace');
let rt: TestRuntime;
let gpg: GnupgHome;
let partnerKey: string;
let partnerFingerprint: string;
let shortLivedKey: string;
/** Every secret issued in this file: none may appear in the database or the logs. */
const secrets: string[] = [];

beforeAll(async () => {
  [rt, gpg] = await Promise.all([
    createTestRuntime({ logger: logs.logger, env: { SERVICE_PGP_PRIVATE_KEY: await serviceKeyArmor() } }),
    createGnupgHome(),
  ]);
  partnerFingerprint = await gpg.generate(
    'Delivery Partner <ops@partner.example>',
    'future-default',
    'default',
    'never',
  );
  partnerKey = await gpg.exportPublic(partnerFingerprint);
  shortLivedKey = await gpg.exportPublic(
    await gpg.generate('Short Lived <short@partner.example>', 'future-default', 'default', '1d'),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([rt?.dispose(), gpg?.dispose()]);
});

/** A supplied service key, as production sets SERVICE_PGP_PRIVATE_KEY (here without a passphrase). */
async function serviceKeyArmor(): Promise<string> {
  const { generateKey } = await import('openpgp');
  return (await generateKey({ type: 'ecc', userIDs: [{ name: 'test service' }], format: 'armored' })).privateKey;
}

async function partnerWithKey(options: { confirm?: boolean; armored?: string } = {}) {
  const admin = anAdmin();
  const partner = await rt.partners.create({
    actor: admin,
    name: aPartnerName(),
    contacts: [CONTACT, 'U0CONTACT2'],
    preset: ['GET /v1/users'],
  });
  await rt.partnerPgp.setPgpKey(
    partner.name,
    options.armored ?? partnerKey,
    admin,
    options.confirm === false ? {} : { confirmFingerprint: partnerFingerprint },
  );
  return { admin, partner };
}

async function issueFor(partnerName: string, admin: string) {
  const issued = await rt.keys.create({ actor: admin, partner: partnerName });
  secrets.push(issued.secret);
  return issued;
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected the delivery to fail');
}

describe('delivering a key', () => {
  it('sends it encrypted to the first contact, records where it went and audits it', async () => {
    const messenger = recordingMessenger();
    const delivery = rt.createDeliveryService(messenger);
    const { admin, partner } = await partnerWithKey();
    const issued = await issueFor(partner.name, admin);

    const record = await delivery.deliver({ issued, actor: admin });
    expect(record).toMatchObject({
      keyId: issued.key.id,
      partnerId: partner.id,
      contactSlackUserId: CONTACT,
      recipientFingerprint: partnerFingerprint,
      status: 'sent',
      channelId: 'D0DM000001',
      createdBy: admin,
      errorCode: null,
    });
    expect(messenger.sent).toHaveLength(1);
    expect(messenger.sent[0]).toMatchObject({
      deliveryId: record.id,
      contactSlackUserId: CONTACT,
      recipientFingerprint: partnerFingerprint,
      signerFingerprint: (await rt.serviceKey.get()).fingerprint,
      keyId: issued.key.id,
      partnerName: partner.name,
    });
    const [event] = await rt.store.audit.list({ keyId: issued.key.id });
    expect(event).toMatchObject({
      action: 'key.delivered',
      actor: admin,
      details: { deliveryId: record.id, contact: CONTACT, fingerprint: partnerFingerprint },
    });
    expect((await rt.keys.get(issued.key.id)).status).toBe('active');
    expect(await delivery.forKey(issued.key.id)).toHaveLength(1);
  });

  it('sends to a named contact of the partner, and refuses anyone who is not one', async () => {
    const delivery = rt.createDeliveryService(recordingMessenger());
    const { admin, partner } = await partnerWithKey();
    const toSecond = await delivery.deliver({
      issued: await issueFor(partner.name, admin),
      actor: admin,
      contactSlackUserId: 'U0CONTACT2',
    });
    expect(toSecond.contactSlackUserId).toBe('U0CONTACT2');

    const issued = await issueFor(partner.name, admin);
    const refused = await failure(delivery.deliver({ issued, actor: admin, contactSlackUserId: 'U0STRANGER' }));
    expect(refused.code).toBe('DELIVERY_REFUSED');
    expect(refused.cause).toMatchObject({
      code: 'DELIVERY_REFUSED',
      facts: { problem: 'not_a_contact', contact: 'U0STRANGER', partner: partner.name },
    });
    expect((await rt.keys.get(issued.key.id)).status).toBe('revoked');
  });

  it('revokes the key and records why when the DM cannot be delivered; nothing falls back to plain text', async () => {
    const messenger = recordingMessenger(() => new MessengerError('user_not_found', 'Slack says: user_not_found'));
    const delivery = rt.createDeliveryService(messenger);
    const { admin, partner } = await partnerWithKey();
    const issued = await issueFor(partner.name, admin);

    const error = await failure(delivery.deliver({ issued, actor: admin }));
    expect(error).toMatchObject({
      code: 'DELIVERY_FAILED',
      facts: { keyId: issued.key.id, contact: 'U0CONTACT1', failure: 'user_not_found', revoked: true },
    });
    // Plain words for logs and any surface: Slack puts in the mention itself.
    expect(error.message).not.toContain('<@');
    const deliveryId = error.details[0] as string;
    expect(await delivery.get(deliveryId)).toMatchObject({
      status: 'failed',
      errorCode: 'user_not_found',
      failedAt: expect.any(Date),
      sentAt: null,
    });

    const key = await rt.keys.get(issued.key.id);
    expect(key).toMatchObject({ status: 'revoked', revokedBy: 'system' });
    expect(key.revokeReason).toContain(deliveryId);
    expect(await rt.keys.check(issued.secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: false } });
    const actions = (await rt.store.audit.list({ keyId: issued.key.id })).map((event) => event.action);
    expect(actions).toEqual(['key.delivery_failed', 'key.revoked', 'key.created']);
    // The only thing the messenger ever saw is ciphertext.
    expect(JSON.stringify(messenger.sent)).not.toContain(issued.secret);
  });

  it('records an unexpected messenger error under a generic code, and still revokes', async () => {
    const delivery = rt.createDeliveryService(recordingMessenger(() => new Error('socket hang up')));
    const { admin, partner } = await partnerWithKey();
    const issued = await issueFor(partner.name, admin);
    const error = await failure(delivery.deliver({ issued, actor: admin }));
    expect(await delivery.get(error.details[0] as string)).toMatchObject({
      status: 'failed',
      errorCode: 'messenger_error',
      errorMessage: 'socket hang up',
    });
    expect((await rt.keys.get(issued.key.id)).status).toBe('revoked');
  });

  it('refuses a partner key that is not confirmed, without calling the messenger, and revokes the key', async () => {
    const messenger = recordingMessenger();
    const delivery = rt.createDeliveryService(messenger);
    const { admin, partner } = await partnerWithKey({ confirm: false });
    expect(await delivery.target(partner.name)).toMatchObject({ ready: false, code: 'PGP_KEY_UNCONFIRMED' });
    const issued = await issueFor(partner.name, admin);

    const error = await failure(delivery.deliver({ issued, actor: admin }));
    expect(error.code).toBe('PGP_KEY_UNCONFIRMED');
    expect(messenger.sent).toHaveLength(0);
    expect(await delivery.get(error.details[0] as string)).toMatchObject({
      status: 'failed',
      errorCode: 'PGP_KEY_UNCONFIRMED',
    });
    expect((await rt.keys.get(issued.key.id)).status).toBe('revoked');
  });

  it('does not send a key that was revoked before it could be delivered', async () => {
    const messenger = recordingMessenger();
    const delivery = rt.createDeliveryService(messenger);
    const { admin, partner } = await partnerWithKey();
    const issued = await issueFor(partner.name, admin);
    await rt.keys.revoke(issued.key.id, { actor: admin, reason: 'changed my mind' });
    expect((await failure(delivery.deliver({ issued, actor: admin }))).code).toBe('KEY_REVOKED');
    expect(messenger.sent).toHaveLength(0);
  });

  it('refuses a partner with no key at all', async () => {
    const delivery = rt.createDeliveryService(recordingMessenger());
    const admin = anAdmin();
    const partner = await rt.partners.create({ actor: admin, name: aPartnerName(), contacts: [CONTACT] });
    expect(await delivery.target(partner.name)).toMatchObject({ ready: false, code: 'PGP_KEY_MISSING' });
    expect((await failure(delivery.deliver({ issued: await issueFor(partner.name, admin), actor: admin }))).code).toBe(
      'PGP_KEY_MISSING',
    );
  });

  it('re-checks the partner key at delivery time: a confirmed key that has since expired is refused', async () => {
    const messenger = recordingMessenger();
    const { admin, partner } = await partnerWithKey({ confirm: false, armored: shortLivedKey });
    const stored = await rt.partnerPgp.getPgpKey(partner.name);
    await rt.partnerPgp.confirmPgpKey(partner.name, stored?.fingerprint as string, admin);
    const later = createDeliveryService({
      store: rt.store,
      keys: rt.keys,
      encryptor: rt.pgp,
      messenger,
      confirmHours: 72,
      now: () => new Date(Date.now() + 3 * 24 * 3600_000),
    });
    expect(await later.target(partner.name)).toMatchObject({ ready: false, code: 'PGP_KEY_EXPIRED' });
    const error = await failure(later.deliver({ issued: await issueFor(partner.name, admin), actor: admin }));
    expect(error.code).toBe('PGP_KEY_EXPIRED');
    expect(messenger.sent).toHaveLength(0);
  });
});

describe('a delivery that never finished', () => {
  it('is closed by the sweep after a while: key revoked, delivery failed as abandoned; a late send is not reported as delivered', async () => {
    let release: (value: { channelId: string; messageTs: string }) => void = () => {};
    let sendStarted: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => (sendStarted = resolve));
    const hanging: DirectMessenger = {
      sendEncryptedKey: () =>
        new Promise((resolve) => {
          release = resolve;
          sendStarted();
        }),
    };
    const { admin, partner } = await partnerWithKey();
    const issued = await issueFor(partner.name, admin);
    const sending = rt.createDeliveryService(hanging).deliver({ issued, actor: admin });
    const settled = sending.then(
      () => 'sent',
      (error: unknown) => (isAppError(error) ? error.code : 'other'),
    );
    await expect.poll(async () => (await rt.store.deliveries.listForKey(issued.key.id))[0]?.status).toBe('pending');
    // The send itself must be under way (encryption done, the DM hanging), or the release below reaches nobody: with
    // slow encryption the delivery is pending well before the messenger is called.
    await inFlight;

    const sweep = (minutes: number) =>
      createDeliveryService({
        store: rt.store,
        keys: rt.keys,
        encryptor: rt.pgp,
        messenger: hanging,
        confirmHours: 72,
        now: () => new Date(Date.now() + minutes * 60_000),
      });
    expect(await sweep(5).closeAbandoned(15)).toEqual([]);
    const [closed] = await sweep(20).closeAbandoned(15);
    expect(closed).toBeDefined();
    expect(await rt.store.deliveries.findById(closed as string)).toMatchObject({
      status: 'failed',
      errorCode: 'abandoned',
    });
    expect((await rt.keys.get(issued.key.id)).status).toBe('revoked');

    release({ channelId: 'D0LATE', messageTs: '1.2' });
    expect(await settled).toBe('DELIVERY_FAILED');
    expect(await rt.store.deliveries.findById(closed as string)).toMatchObject({ status: 'failed' });
  });

  it('tells the admin to revoke by hand if the automatic revocation itself fails, and still records the failure', async () => {
    const { admin, partner } = await partnerWithKey();
    const issued = await issueFor(partner.name, admin);
    const delivery = createDeliveryService({
      store: rt.store,
      keys: {
        revoke: async () => {
          throw new Error('database went away');
        },
        abandonSuccession: async () => {
          throw new Error('a key that still works must keep its successor');
        },
      },
      encryptor: rt.pgp,
      messenger: recordingMessenger(() => new MessengerError('user_not_found')),
      confirmHours: 72,
    });
    const error = await failure(delivery.deliver({ issued, actor: admin }));
    expect(error.facts).toMatchObject({ keyId: issued.key.id, failure: 'user_not_found', revoked: false });
    const [event] = await rt.store.audit.list({ keyId: issued.key.id });
    expect(event).toMatchObject({
      action: 'key.delivery_failed',
      details: { keyRevoked: false, code: 'user_not_found' },
    });
  });
});

describe('a failed hand-over of a replacement', () => {
  const failing = () => rt.createDeliveryService(recordingMessenger(() => new MessengerError('user_not_found')));

  async function replaced(admin: string, keyId: string, graceSeconds: number) {
    const issued = await rt.keys.replace(keyId, { actor: admin, graceSeconds });
    secrets.push(issued.secret);
    return issued;
  }

  it('leaves the old key as it was before the replace: working, no successor, no end, replaceable again', async () => {
    const { admin, partner } = await partnerWithKey();
    const old = await issueFor(partner.name, admin);
    const successor = await replaced(admin, old.key.id, 3600);
    await failure(failing().deliver({ issued: successor, actor: admin }));

    expect(await rt.keys.get(successor.key.id)).toMatchObject({ status: 'revoked' });
    expect(await rt.keys.get(old.key.id)).toMatchObject({ status: 'active', replacedBy: null, revokeAt: null });
    expect(await rt.keys.check(old.secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: true } });
    const [latest] = await rt.store.audit.list({ keyId: old.key.id });
    expect(latest).toMatchObject({
      action: 'key.replacement_abandoned',
      actor: 'system',
      details: { abandoned: successor.key.id },
      after: { status: 'active', revokeAt: null },
    });
    expect(String(latest?.details?.reason)).toMatch(/was not handed over: delivery \S+ failed: user_not_found/);

    const again = await replaced(admin, old.key.id, 0);
    expect((await rt.keys.get(old.key.id)).replacedBy).toBe(again.key.id);
  });

  it('keeps a key the replace revoked at once revoked, but no longer replaced by the failed key', async () => {
    const { admin, partner } = await partnerWithKey();
    const old = await issueFor(partner.name, admin);
    const successor = await replaced(admin, old.key.id, 0);
    await failure(failing().deliver({ issued: successor, actor: admin }));
    expect(await rt.keys.get(old.key.id)).toMatchObject({ status: 'revoked', replacedBy: null, revokeAt: null });
    expect(await rt.keys.check(old.secret, 'GET', '/v1/users')).toMatchObject({ decision: { allowed: false } });
  });

  it('never undoes a succession whose key works, nor one recorded after the failed one', async () => {
    const { admin, partner } = await partnerWithKey();
    const old = await issueFor(partner.name, admin);
    const working = await replaced(admin, old.key.id, 3600);
    expect(await rt.keys.abandonSuccession(working.key.id, { actor: admin, reason: 'test' })).toBeUndefined();
    expect((await rt.keys.get(old.key.id)).replacedBy).toBe(working.key.id);

    const other = await issueFor(partner.name, admin);
    const failed = await replaced(admin, other.key.id, 3600);
    await failure(failing().deliver({ issued: failed, actor: admin }));
    const later = await replaced(admin, other.key.id, 3600);
    // A late or repeated undo of the failed one leaves the later successor alone.
    expect(await rt.keys.abandonSuccession(failed.key.id, { actor: admin, reason: 'test' })).toBeUndefined();
    expect(await rt.keys.get(other.key.id)).toMatchObject({ replacedBy: later.key.id, revokeAt: expect.any(Date) });
  });

  it('leaves the chain alone when the failed key was itself replaced before its hand-over gave up', async () => {
    const { admin, partner } = await partnerWithKey();
    const old = await issueFor(partner.name, admin);
    const pending = await replaced(admin, old.key.id, 3600);
    const next = await replaced(admin, pending.key.id, 0);
    // The pending hand-over is refused now (its key was replaced meanwhile): the old key still ends, as the chain says.
    await failure(failing().deliver({ issued: pending, actor: admin }));
    expect(await rt.keys.get(old.key.id)).toMatchObject({ replacedBy: pending.key.id, revokeAt: expect.any(Date) });
    expect((await rt.keys.get(pending.key.id)).replacedBy).toBe(next.key.id);
  });

  it('racing a new replace of the same key, either order ends with the new successor recorded', async () => {
    const { admin, partner } = await partnerWithKey();
    const old = await issueFor(partner.name, admin);
    const failed = await replaced(admin, old.key.id, 3600);
    await rt.keys.revoke(failed.key.id, { actor: admin, reason: 'hand-over failed' });
    const [undo, replace] = await Promise.allSettled([
      rt.keys.abandonSuccession(failed.key.id, { actor: admin, reason: 'test' }),
      rt.keys.replace(old.key.id, { actor: admin, graceSeconds: 3600 }),
    ]);
    expect(undo.status).toBe('fulfilled');
    const after = await rt.keys.get(old.key.id);
    if (replace.status === 'fulfilled') {
      secrets.push(replace.value.secret);
      expect(after).toMatchObject({ replacedBy: replace.value.key.id, revokeAt: expect.any(Date) });
    } else {
      // The replace ran first and was refused while the failed key was still the successor; the undo followed.
      expect(replace.reason).toMatchObject({ code: 'KEY_REPLACED' });
      expect(after).toMatchObject({ replacedBy: null, revokeAt: null });
    }
  });
});

describe("the partner's confirmation", () => {
  let delivery: DeliveryService;
  beforeAll(() => {
    delivery = rt.createDeliveryService(recordingMessenger());
  });

  it('is accepted only from the contact the key was sent to, once, and is audited', async () => {
    const { admin, partner } = await partnerWithKey();
    const sent = await delivery.deliver({ issued: await issueFor(partner.name, admin), actor: admin });

    await expect(delivery.confirmStored(sent.id, 'U0CONTACT2')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(delivery.confirmStored(sent.id, admin)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await delivery.get(sent.id)).status).toBe('sent');

    const confirmed = await delivery.confirmStored(sent.id, CONTACT);
    expect(confirmed).toMatchObject({
      changed: true,
      delivery: { status: 'confirmed', confirmedBy: CONTACT, createdBy: admin },
    });
    expect(await delivery.confirmStored(sent.id, CONTACT)).toMatchObject({ changed: false });
    const confirmations = (await rt.store.audit.list({ keyId: sent.keyId })).filter(
      (event) => event.action === 'key.delivery_confirmed',
    );
    expect(confirmations).toEqual([
      expect.objectContaining({ actor: CONTACT, details: { deliveryId: sent.id, fingerprint: partnerFingerprint } }),
    ]);
  });

  it('is refused for a delivery that failed, or that does not exist', async () => {
    const failing = rt.createDeliveryService(recordingMessenger(() => new MessengerError('invalid_user_combination')));
    const { admin, partner } = await partnerWithKey();
    const error = await failure(failing.deliver({ issued: await issueFor(partner.name, admin), actor: admin }));
    await expect(delivery.confirmStored(error.details[0] as string, CONTACT)).rejects.toMatchObject({
      code: 'DELIVERY_NOT_SENT',
      facts: { status: 'failed' },
    });
    await expect(delivery.confirmStored('dlv_doesnotexist', CONTACT)).rejects.toMatchObject({
      code: 'DELIVERY_NOT_FOUND',
    });
  });

  it('lists deliveries still unconfirmed after DELIVERY_CONFIRM_HOURS', async () => {
    const { admin, partner } = await partnerWithKey();
    const waiting = await delivery.deliver({ issued: await issueFor(partner.name, admin), actor: admin });
    const done = await delivery.deliver({ issued: await issueFor(partner.name, admin), actor: admin });
    await delivery.confirmStored(done.id, CONTACT);

    expect((await delivery.unconfirmed()).map((d) => d.id)).not.toContain(waiting.id);
    const at = (hours: number) =>
      createDeliveryService({
        store: rt.store,
        keys: rt.keys,
        encryptor: rt.pgp,
        messenger: recordingMessenger(),
        confirmHours: 72,
        now: () => new Date(Date.now() + hours * 3600_000),
      });
    expect((await at(71).unconfirmed()).map((d) => d.id)).not.toContain(waiting.id);
    const overdue = (await at(73).unconfirmed()).map((d) => d.id);
    expect(overdue).toContain(waiting.id);
    expect(overdue).not.toContain(done.id);
  });
});

describe('secrets', () => {
  it('never reach the database, the audit trail or the logs', async () => {
    expect(secrets.length).toBeGreaterThan(5);
    const tables = await rt.db.sql<
      { name: string }[]
    >`select table_name as name from information_schema.tables where table_schema = 'public'`;
    let dump = '';
    for (const { name } of tables) {
      const rows = await rt.db.sql.unsafe(`select t::text as row from "${name}" t`);
      dump += rows.map((r) => r.row).join('\n');
    }
    expect(dump).toContain('key.delivered');
    const logText = logs.text();
    expect(logText).toContain('key delivered encrypted');
    expect(logText).toContain('key delivery failed; key revoked');
    for (const secret of secrets) {
      expect(dump).not.toContain(secret);
      expect(logText).not.toContain(secret);
    }
  });
});
