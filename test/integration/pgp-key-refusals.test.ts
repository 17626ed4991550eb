import { generateKey, readKey, SignaturePacket } from 'openpgp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPgpEncryptor, encryptSecret } from '../../src/delivery/encrypt.ts';
import { inspectPublicKey } from '../../src/delivery/inspect-public-key.ts';
import { isAppError } from '../../src/shared/errors.ts';
import { aPartnerName, anAdmin } from '../fixtures/actors.ts';
import { createGnupgHome, type GnupgHome } from '../helpers/gnupg.ts';
import { hostileRsaKey } from '../helpers/hostile-pgp-keys.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let gpg: GnupgHome;
let rt: TestRuntime;
/** Armored keys made by gpg in this run, by what is wrong with them. */
const keys: Record<string, string> = {};
let goodFingerprint = '';
let otherFingerprint = '';

beforeAll(async () => {
  [gpg, rt] = await Promise.all([createGnupgHome(), createTestRuntime()]);
  goodFingerprint = await gpg.generate('Good Partner <good@example.com>', 'future-default', 'default', 'never');
  otherFingerprint = await gpg.generate('Other Partner <other@example.com>', 'future-default', 'default', 'never');
  const expired = await gpg.generate('Expired <expired@example.com>', 'future-default', 'default', '1y', [
    '--faked-system-time',
    '20200101T000000',
  ]);
  const revoked = await gpg.generate('Revoked <revoked@example.com>', 'future-default', 'default', 'never');
  await gpg.revoke(revoked);
  const signOnly = await gpg.generate('Sign Only <sign@example.com>', 'ed25519', 'sign', 'never');
  const rsa1024 = await gpg.generate('Old RSA <rsa1024@example.com>', 'rsa1024', 'sign', 'never');
  await gpg.addSubkey(rsa1024, 'rsa1024', 'encr');
  const weakSubkey = await gpg.generate('Weak Subkey <weak@example.com>', 'rsa3072', 'sign', 'never');
  await gpg.addSubkey(weakSubkey, 'rsa1024', 'encr');
  const dsa = await gpg.generate('DSA ElGamal <dsa@example.com>', 'dsa2048', 'sign', 'never');
  await gpg.addSubkey(dsa, 'elg2048', 'encr');

  keys.good = await gpg.exportPublic(goodFingerprint);
  keys.expired = await gpg.exportPublic(expired);
  keys.revoked = await gpg.exportPublic(revoked);
  keys.signOnly = await gpg.exportPublic(signOnly);
  keys.rsa1024 = await gpg.exportPublic(rsa1024);
  keys.weakSubkey = await gpg.exportPublic(weakSubkey);
  keys.dsa = await gpg.exportPublic(dsa);
  keys.private = await gpg.exportSecret(goodFingerprint);
  keys.twoInOneBlock = await gpg.exportPublic(goodFingerprint, otherFingerprint);
  keys.twoBlocks = `${keys.good}\n${await gpg.exportPublic(otherFingerprint)}`;

  // RFC 9580 keys are made by openpgp itself: GnuPG 2.2 cannot create them (which is the point).
  const v6 = await generateKey({
    type: 'curve25519',
    userIDs: [{ email: 'v6@example.com' }],
    config: { v6Keys: true },
    format: 'armored',
  });
  keys.v6 = v6.publicKey;
  const seipdv2 = await generateKey({
    type: 'ecc',
    userIDs: [{ email: 'aead@example.com' }],
    config: { aeadProtect: true },
    format: 'armored',
  });
  keys.seipdv2 = seipdv2.publicKey;
}, 180_000);

afterAll(async () => {
  await Promise.all([gpg?.dispose(), rt?.dispose()]);
});

async function refusal(text: string): Promise<{ code: string; message: string; field: string | undefined }> {
  try {
    await inspectPublicKey(text);
  } catch (error) {
    // The message is the text both surfaces show for a refused key (neither adds words of its own).
    if (isAppError(error)) return { code: error.code, message: error.message, field: error.field };
    throw error;
  }
  throw new Error('the key was accepted');
}

describe('inspecting a partner key', () => {
  it('accepts a GnuPG Curve25519 key and shows its full fingerprint, user id, algorithm and expiry', async () => {
    const info = await inspectPublicKey(keys.good as string);
    expect(info.fingerprint).toBe(goodFingerprint);
    expect(info.formattedFingerprint.replace(/ /g, '')).toBe(goodFingerprint);
    expect(info.formattedFingerprint).toMatch(/^([0-9A-F]{4} ){4}[0-9A-F]{4} {2}([0-9A-F]{4} ){4}[0-9A-F]{4}$/);
    expect(info.userIds).toEqual(['Good Partner <good@example.com>']);
    expect(info.algorithm).toBe('EdDSA Ed25519, encrypts with ECDH Curve25519');
    expect(info.expiresAt).toBeNull();
    expect(info.armored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
  });

  it('accepts indented armor and text around the block, as pasted from chat or e-mail', async () => {
    const indented = `Hi, here is our key:\n\n${(keys.good as string)
      .split('\n')
      .map((line) => `    ${line}  `)
      .join('\r\n')}\nThanks!`;
    expect((await inspectPublicKey(indented)).fingerprint).toBe(goodFingerprint);
  });

  it.each([
    ['an expired key', 'expired', 'PGP_KEY_EXPIRED', /expired on 2020-12-3[01]/],
    ['a revoked key', 'revoked', 'PGP_KEY_REVOKED', /revoked/],
    ['a sign-only key', 'signOnly', 'PGP_KEY_NO_ENCRYPTION', /no usable encryption subkey/],
    ['an RSA-1024 key', 'rsa1024', 'PGP_KEY_WEAK', /RSA 1024-bit \(primary key\).*too weak/],
    [
      'an RSA-3072 key with an RSA-1024 encryption subkey',
      'weakSubkey',
      'PGP_KEY_WEAK',
      /RSA 1024-bit \(encryption subkey\)/,
    ],
    ['a DSA/ElGamal key', 'dsa', 'PGP_KEY_ALGORITHM', /DSA 2048-bit.*obsolete/],
    ['two keys in one block', 'twoInOneBlock', 'PGP_KEY_MULTIPLE', /holds 2 keys/],
    ['two key blocks in one paste', 'twoBlocks', 'PGP_KEY_MULTIPLE', /2 key blocks/],
    ['a v6 (RFC 9580) key', 'v6', 'PGP_KEY_RFC9580', /version 6 key.*GnuPG 2\.2 and 2\.4 cannot/],
    ['a key advertising SEIPDv2', 'seipdv2', 'PGP_KEY_RFC9580', /SEIPDv2.*GnuPG 2\.2 and 2\.4 cannot/],
  ])('refuses %s with its reason', async (_label, name, code, reason) => {
    const result = await refusal(keys[name] as string);
    expect(result).toMatchObject({ code, field: 'pgp' });
    expect(result.message).toMatch(reason);
  });

  it('refuses a private key and says the partner must treat it as compromised', async () => {
    const result = await refusal(keys.private as string);
    expect(result).toMatchObject({ code: 'PGP_KEY_PRIVATE' });
    expect(result.message).toMatch(/PRIVATE key.*treat that key as compromised/s);
    // The same secret packets under a public-key armor header are caught by what they contain.
    const relabelled = (keys.private as string).replace(/PRIVATE KEY BLOCK/g, 'PUBLIC KEY BLOCK');
    expect((await refusal(relabelled)).code).toBe('PGP_KEY_PRIVATE');
  });

  it('refuses text that is not an OpenPGP public key, naming what it is instead', async () => {
    expect(await refusal('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI partner@example')).toMatchObject({
      code: 'PGP_KEY_INVALID',
      message: expect.stringMatching(/not an OpenPGP public key/),
    });
    const message = '-----BEGIN PGP MESSAGE-----\n\nhQEMA0\n-----END PGP MESSAGE-----\n';
    expect(await refusal(message)).toMatchObject({
      code: 'PGP_KEY_INVALID',
      message: expect.stringMatching(/OpenPGP message, not a public key/),
    });
    const cut = (keys.good as string).split('\n').slice(0, 5).join('\n');
    expect(await refusal(cut)).toMatchObject({ code: 'PGP_KEY_INVALID', message: expect.stringMatching(/cut off/) });
    const damaged = (keys.good as string).replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!!!!!!!!!!!!!!!!!');
    expect((await refusal(damaged)).code).toBe('PGP_KEY_INVALID');
  });
});

describe('keys whose shape multiplies the work of checking them', () => {
  // Real keys with valid self-signatures (built packet by packet, signed with node:crypto), unless noted: GnuPG and
  // openpgp accept every one of them, and checking the worst took seconds, again at every delivery.
  const hostile: Record<string, string> = {};
  beforeAll(async () => {
    hostile.photo = hostileRsaKey({ modulusBits: 2048, photoIds: 1, photoBytes: 70_000 }).armored;
    hostile.subkeys = hostileRsaKey({ modulusBits: 2048, subkeys: 17 }).armored;
    hostile.userIds = hostileRsaKey({ modulusBits: 2048, userIds: 17, subkeys: 1 }).armored;
    hostile.photoIds = hostileRsaKey({ modulusBits: 2048, userIds: 10, photoIds: 7, photoBytes: 200 }).armored;
    hostile.selfSignatures = hostileRsaKey({ modulusBits: 2048, signaturesPerUserId: 17 }).armored;
    hostile.allSignatures = hostileRsaKey({ modulusBits: 2048, userIds: 8, signaturesPerUserId: 9 }).armored;
    hostile.exponent = hostileRsaKey({
      modulusBits: 3072,
      exponentBits: 3069,
      subkeys: 3,
      encryptionSubkeyLast: true,
    }).armored;
    hostile.exponent33 = hostileRsaKey({ modulusBits: 2048, exponentBits: 33, sign: false }).armored;
    // Unsigned: an RSA-8192 key is slow to generate, and the rule must hold before any signature is looked at.
    hostile.modulus = hostileRsaKey({ modulusBits: 8192, sign: false }).armored;
    hostile.unsignedSubkeys = hostileRsaKey({ modulusBits: 2048, subkeys: 40, sign: false }).armored;
    // Certificate flooding (CVE-2019-13050's shape): third-party certifications, here by 17 other keys.
    const flooded = await generateKey({ type: 'ecc', userIDs: [{ email: 'flooded@example.com' }], format: 'object' });
    const signers = await Promise.all(
      Array.from(
        { length: 17 },
        async (_, i) =>
          (await generateKey({ type: 'ecc', userIDs: [{ email: `s${i}@example.com` }], format: 'object' })).privateKey,
      ),
    );
    hostile.flooded = (await flooded.publicKey.signAllUsers(signers)).armor();
    // ECDSA on P-521 is checked in JavaScript, ~20 ms a signature: 7 user IDs and a subkey are 8 self-signatures.
    const userIDs = Array.from({ length: 7 }, (_, i) => ({ email: `p521-${i}@example.com` }));
    hostile.p521 = (await generateKey({ type: 'ecc', curve: 'nistP521', userIDs, format: 'armored' })).publicKey;
    hostile.p521ok = (
      await generateKey({ type: 'ecc', curve: 'nistP521', userIDs: userIDs.slice(0, 3), format: 'armored' })
    ).publicKey;
  }, 180_000);

  it.each([
    ['a key over 64 KB (a large photo ID)', 'photo', /"at most 64 KB per key \(this one is 7\d KB\)".*export-minimal/],
    ['17 subkeys', 'subkeys', /"at most 16 subkeys \(this key has 17\)"/],
    [
      '17 user IDs',
      'userIds',
      /"at most 16 user IDs and photo IDs together \(this key has 17 user IDs and 0 photo IDs\)"/,
    ],
    ['10 user IDs and 7 photo IDs', 'photoIds', /this key has 10 user IDs and 7 photo IDs/],
    [
      '17 self-signatures on one user ID',
      'selfSignatures',
      /"at most 16 signatures on one part of a key \(user ID number 1 has 17\)"/,
    ],
    ['17 third-party certifications on one user ID', 'flooded', /at most 16 signatures on one part of a key/],
    ['73 signatures spread over the key', 'allSignatures', /"at most 64 signatures per key \(this key has 73\)"/],
    [
      'an RSA key with a 3069-bit public exponent',
      'exponent',
      /"RSA public exponents below 2\^32 \(the primary key has a 3069-bit exponent/,
    ],
    ['an RSA key with a 33-bit public exponent', 'exponent33', /33-bit exponent/],
    [
      'an ECDSA P-521 key with 8 self-signatures',
      'p521',
      /"at most 6 self-signatures on an ECDSA nistP521 key \(this key has 8\)"/,
    ],
    ['an RSA-8192 key', 'modulus', /"moduli of at most 4096 bits \(the primary key has 8192\)"/],
    ['40 subkeys whose signatures are not even valid', 'unsignedSubkeys', /at most 16 subkeys \(this key has 40\)/],
  ])('refuses %s with PGP_KEY_LIMIT and the rule it breaks', async (_label, name, reason) => {
    const result = await refusal(hostile[name] as string);
    expect(result.code).toBe('PGP_KEY_LIMIT');
    expect(result.message).toMatch(reason);
  });

  it('refuses text longer than any key within the limits before decoding it', async () => {
    const padded = `${'Our key follows.\n'.repeat(9000)}${keys.good as string}`;
    expect(await refusal(padded)).toMatchObject({
      code: 'PGP_KEY_LIMIT',
      message: expect.stringMatching(/at most 128 KB of text/),
    });
  });

  it('judges the shape before any signature: a key over a limit is refused for the limit even when its signatures are bad', async () => {
    // These keys also have no valid self-signature: checking signatures first would have answered PGP_KEY_INVALID.
    for (const name of ['unsignedSubkeys', 'modulus', 'exponent33'])
      expect((await refusal(hostile[name] as string)).code).toBe('PGP_KEY_LIMIT');
    expect((await refusal(hostileRsaKey({ modulusBits: 2048, sign: false }).armored)).code).toBe('PGP_KEY_INVALID');
  });

  it('checks each signature once, not once per question openpgp asks about the key', async () => {
    // 4 user IDs, each with a good self-signature and 11 newer ones with the right digest prefix and a wrong value
    // (openpgp tries the newest first, and remembers only good outcomes), and a subkey: 49 signatures.
    const mixed = hostileRsaKey({
      modulusBits: 2048,
      userIds: 4,
      signaturesPerUserId: 12,
      badNewerSignatures: true,
    }).armored;
    const checks = vi.spyOn(SignaturePacket.prototype, 'verify');
    try {
      const info = await inspectPublicKey(mixed);
      expect(info.userIds).toHaveLength(4);
      // A good signature is looked at again (cheaply: openpgp caches it) at a second date; a bad one never again.
      // Unguarded, the primary-user, expiry and encryption-key questions checked every bad one 4 times (195 calls).
      expect(checks.mock.calls.length).toBeLessThanOrEqual(49 + 4 + 1);
      // Encrypting to it reads the stored key afresh and asks openpgp again: the same bound.
      checks.mockClear();
      await expect(encryptSecret('hk_not_a_real_secret', info, undefined)).resolves.toMatch(
        /^-----BEGIN PGP MESSAGE-----/,
      );
      expect(checks.mock.calls.length).toBeLessThanOrEqual(49 + 4 + 1);
    } finally {
      checks.mockRestore();
    }
    expect((await inspectPublicKey(hostile.p521ok as string)).algorithm).toBe(
      'ECDSA NIST P-521, encrypts with ECDH NIST P-521',
    );
  });

  it('refuses at delivery a hostile key stored before these limits, before touching the service key', async () => {
    const encryptor = createPgpEncryptor({
      get: () => Promise.reject(new Error('the service key must not be needed for a refused recipient')),
    });
    await expect(encryptor.encryptAndSign('hk_not_a_real_secret', hostile.exponent as string)).rejects.toMatchObject({
      code: 'PGP_KEY_LIMIT',
    });
  });

  it('accepts a key at every limit: 16 subkeys, 16 user IDs, a 32-bit exponent', async () => {
    const atLimits = hostileRsaKey({ modulusBits: 2048, exponentBits: 32, subkeys: 16, userIds: 16 });
    const info = await inspectPublicKey(atLimits.armored);
    expect(info.userIds).toHaveLength(16);
    expect((await readKey({ armoredKey: info.armored })).subkeys).toHaveLength(16);
    expect(info.algorithm).toBe('RSA 2048-bit');
  });
});

describe('encrypting', () => {
  it('refuses to emit anything GnuPG 2.2 cannot read, even for a key that slipped past inspection', async () => {
    const info = await inspectPublicKey(keys.good as string);
    // The v6 key's bytes under an accepted key's description: the output check must catch the RFC 9580 packets.
    const smuggled = { ...info, armored: keys.v6 as string };
    await expect(encryptSecret('hk_not_a_real_secret', smuggled, undefined)).rejects.toMatchObject({
      code: 'PGP_KEY_RFC9580',
    });
    await expect(encryptSecret('hk_not_a_real_secret', info, undefined)).resolves.toMatch(
      /^-----BEGIN PGP MESSAGE-----/,
    );
  });
});

describe("storing a partner's key", () => {
  it('stores nothing and audits nothing when a key is refused', async () => {
    const partner = await rt.partners.create({ actor: anAdmin(), name: aPartnerName() });
    for (const name of ['expired', 'private', 'twoInOneBlock', 'v6']) {
      await expect(rt.partnerPgp.setPgpKey(partner.name, keys[name] as string, anAdmin())).rejects.toThrow();
    }
    expect(await rt.partnerPgp.getPgpKey(partner.name)).toBeUndefined();
    const audit = await rt.store.audit.list({ partnerId: partner.id });
    expect(audit.map((event) => event.action)).toEqual(['partner.created']);
  });

  it('keeps a new key unconfirmed until the admin confirms its full fingerprint, and audits both steps', async () => {
    const admin = anAdmin();
    const partner = await rt.partners.create({ actor: admin, name: aPartnerName() });
    const set = await rt.partnerPgp.setPgpKey(partner.name, keys.good as string, admin);
    expect(set).toMatchObject({
      confirmed: false,
      replacedFingerprint: null,
      key: { fingerprint: goodFingerprint, confirmedFingerprint: null },
    });
    expect(await rt.partnerPgp.hasConfirmedKey(partner.name)).toBe(false);

    await expect(rt.partnerPgp.confirmPgpKey(partner.name, otherFingerprint, admin)).rejects.toMatchObject({
      code: 'PGP_FINGERPRINT_MISMATCH',
    });
    await expect(rt.partnerPgp.confirmPgpKey(partner.name, goodFingerprint.slice(-16), admin)).rejects.toMatchObject({
      code: 'FINGERPRINT_INVALID',
      field: 'fingerprint',
      facts: { problem: 'short_key_id' },
    });
    expect(await rt.partnerPgp.hasConfirmedKey(partner.name)).toBe(false);

    const spaced = set.info.formattedFingerprint.toLowerCase();
    const confirmed = await rt.partnerPgp.confirmPgpKey(partner.name, spaced, admin);
    expect(confirmed).toMatchObject({ confirmedFingerprint: goodFingerprint, confirmedBy: admin });
    expect(await rt.partnerPgp.hasConfirmedKey(partner.name)).toBe(true);
    // Confirming again changes nothing and writes no second audit row.
    await rt.partnerPgp.confirmPgpKey(partner.name, goodFingerprint, admin);

    const actions = (await rt.store.audit.list({ partnerId: partner.id })).map((event) => event.action).reverse();
    expect(actions).toEqual(['partner.created', 'partner.pgp_key_set', 'partner.pgp_key_confirmed']);
  });

  it('clears the confirmation when a key with another fingerprint replaces it, and keeps it for the same key', async () => {
    const admin = anAdmin();
    const partner = await rt.partners.create({ actor: admin, name: aPartnerName() });
    await rt.partnerPgp.setPgpKey(partner.name, keys.good as string, admin, { confirmFingerprint: goodFingerprint });
    const again = await rt.partnerPgp.setPgpKey(partner.name, keys.good as string, admin);
    expect(again.confirmed).toBe(true);

    const replaced = await rt.partnerPgp.setPgpKey(partner.name, await gpg.exportPublic(otherFingerprint), admin);
    expect(replaced).toMatchObject({
      confirmed: false,
      replacedFingerprint: goodFingerprint,
      key: { fingerprint: otherFingerprint },
    });
    expect(await rt.partnerPgp.hasConfirmedKey(partner.name)).toBe(false);
    const [latest] = await rt.store.audit.list({ partnerId: partner.id });
    expect(latest).toMatchObject({
      action: 'partner.pgp_key_set',
      before: { fingerprint: goodFingerprint, confirmed: true },
      after: { fingerprint: otherFingerprint, confirmed: false },
    });
  });

  it('stores nothing when the fingerprint given to confirm with does not match the pasted key', async () => {
    const partner = await rt.partners.create({ actor: anAdmin(), name: aPartnerName() });
    await expect(
      rt.partnerPgp.setPgpKey(partner.name, keys.good as string, anAdmin(), { confirmFingerprint: otherFingerprint }),
    ).rejects.toMatchObject({
      code: 'PGP_FINGERPRINT_MISMATCH',
    });
    expect(await rt.partnerPgp.getPgpKey(partner.name)).toBeUndefined();
  });
});
