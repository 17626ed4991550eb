import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { deliveryFileName, deliveryInstructions, SERVICE_KEY_FILE_NAME } from '../../src/delivery/delivery-text.ts';
import { formatFingerprint, normalizeFingerprint } from '../../src/partners/fingerprint.ts';

describe('delivery settings', () => {
  it('default to a generated service key and 72 hours for the partner to confirm', () => {
    const config = loadConfig({});
    expect(config.servicePgp).toEqual({ privateKey: undefined, passphrase: undefined });
    expect(config.deliveryConfirmHours).toBe(72);
  });

  it('keep a passphrase exactly as given, spaces included', () => {
    expect(loadConfig({ SERVICE_PGP_PASSPHRASE: ' two words ' }).servicePgp.passphrase).toBe(' two words ');
  });

  it('name each bad variable without echoing a private key back', () => {
    const notAKey = 'super secret material that is not armored';
    let message = '';
    try {
      loadConfig({ SERVICE_PGP_PRIVATE_KEY: notAKey, DELIVERY_CONFIRM_HOURS: '0' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/SERVICE_PGP_PRIVATE_KEY is invalid: expected an armored OpenPGP private key/);
    expect(message).toMatch(/DELIVERY_CONFIRM_HOURS is invalid: expected at least 1 hour/);
    expect(message).not.toContain(notAKey);
  });
});

describe('fingerprints', () => {
  const fpr = '0123456789ABCDEF0123456789ABCDEF01234567';

  it("are shown in gpg's groups of four and read back from any spacing or case", () => {
    expect(formatFingerprint(fpr)).toBe('0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567');
    expect(normalizeFingerprint(` 0x${formatFingerprint(fpr).toLowerCase()} `)).toBe(fpr);
  });

  it('must be complete: short key ids and other lengths are refused', () => {
    const refusal = (input: string) => {
      try {
        normalizeFingerprint(input);
      } catch (error) {
        return error;
      }
      throw new Error('accepted');
    };
    const short = { code: 'FINGERPRINT_INVALID', field: 'fingerprint', facts: { problem: 'short_key_id' } };
    const malformed = { code: 'FINGERPRINT_INVALID', field: 'fingerprint', facts: { problem: 'malformed' } };
    expect(refusal(fpr.slice(-16))).toMatchObject({ ...short, facts: { ...short.facts, given: fpr.slice(-16) } });
    expect(refusal(fpr.slice(-8))).toMatchObject(short);
    expect(refusal(`${fpr}00`)).toMatchObject(malformed);
    expect(refusal(fpr.replace('A', 'G'))).toMatchObject(malformed);
  });
});

describe('the partner-facing text', () => {
  it('names the key, both fingerprints and the two commands to run', () => {
    const lines = deliveryInstructions({
      deliveryId: 'dlv_1',
      contactSlackUserId: 'U0PARTNER',
      armoredMessage: '-----BEGIN PGP MESSAGE-----',
      recipientFingerprint: 'A'.repeat(40),
      recipientFingerprintFormatted: formatFingerprint('A'.repeat(40)),
      signerFingerprint: 'B'.repeat(40),
      signerPublicKey: '-----BEGIN PGP PUBLIC KEY BLOCK-----',
      keyId: 'key_abc',
      clientId: null,
      description: 'Acme Harvest API Key',
      partnerName: 'Acme',
    }).join('\n');
    expect(lines).toContain('"Acme Harvest API Key" (key_abc)');
    expect(lines).toContain(formatFingerprint('A'.repeat(40)));
    expect(lines).toContain(formatFingerprint('B'.repeat(40)));
    expect(lines).toContain(`gpg --import ${SERVICE_KEY_FILE_NAME}`);
    expect(lines).toContain(`gpg --decrypt ${deliveryFileName('key_abc')}`);
  });
});
